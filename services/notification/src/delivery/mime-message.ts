import { randomBytes } from 'node:crypto';
import addressparser from 'nodemailer/lib/addressparser';
import * as mimeFuncs from 'nodemailer/lib/mime-funcs';
import * as qp from 'nodemailer/lib/qp';

/**
 * Builds a Helmdesk mail (a text and an HTML alternative) as one finished RFC 5322 message, so
 * that nodemailer sends it as is (`raw`) instead of composing it through its tree of MIME streams.
 * A case costs three mails, and that composition was half of the sending CPU (ADR 0028). Only the
 * shape Helmdesk sends is built here: plain ASCII addresses, any Unicode in the subject and the
 * bodies. Anything else (an internationalized address) goes through nodemailer's composer.
 */
export interface MessageParts {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** With its angle brackets. */
  messageId: string;
  date: Date;
  /** Further header fields, e.g. `Auto-Submitted`. Names are ASCII tokens; values are cleaned. */
  headers: Record<string, string>;
}

export interface RawMessage {
  envelope: { from: string; to: string[] };
  raw: string;
}

export interface Mailbox {
  name: string;
  address: string;
}

/** An ASCII addr-spec without quoting or comments: what the fast path accepts. */
const plainAddress = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const headerName = /^[A-Za-z0-9-]+$/;
const lineBreaks = /\r\n|\r|\n/g;
/** Control characters other than tab: CR and LF would start a new header field (injection). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controls = /[\x00-\x08\x0a-\x1f\x7f]+/g;

/**
 * The configured sender (e.g. `Helmdesk <support@helmdesk.local>`) parsed once; null when it is
 * not a single mailbox with a plain ASCII address.
 */
export function parseMailbox(value: string): Mailbox | null {
  const parsed = addressparser(value, { flatten: true });
  if (parsed.length !== 1) return null;
  const [{ name, address }] = parsed as [{ name: string; address: string }];
  return isPlainAddress(address) ? { name, address } : null;
}

export function isPlainAddress(address: string): boolean {
  return plainAddress.test(address);
}

/** A header value on one line, without control characters. */
function oneLine(value: string): string {
  return value.replace(controls, ' ');
}

/**
 * An unstructured header value: as it is when it is plain printable ASCII, else encoded whole as
 * RFC 2047 encoded words (as nodemailer does). A value holding a quote or something that looks
 * like an encoded word is encoded too, or a mail reader would decode a customer's `=?utf-8?B?…?=`
 * into other text.
 */
function unstructured(value: string): string {
  const flat = oneLine(value);
  return /^[\x20-\x7e\t]*$/.test(flat) && !flat.includes('=?') && !flat.includes('"') ? flat : mimeFuncs.encodeWord(flat, 'Q', 52);
}

function mailbox({ name, address }: Mailbox): string {
  if (!name) return address;
  const flat = oneLine(name);
  const display = /^[\w ']*$/.test(flat)
    ? flat
    : /^[\x20-\x7e]*$/.test(flat) && !flat.includes('=?')
      ? `"${flat.replace(/["\\]/g, '\\$&')}"`
      : mimeFuncs.encodeWord(flat, 'Q', 52);
  return `${display} <${address}>`;
}

function field(name: string, value: string): string {
  return mimeFuncs.foldLines(`${name}: ${value}`, 76);
}

/** A text part: 7bit when it is plain ASCII in short lines (as nodemailer does), else quoted-printable. */
function textPart(contentType: string, content: string): string {
  const crlf = content.replace(lineBreaks, '\r\n');
  const plain = mimeFuncs.isPlainText(crlf) && !mimeFuncs.hasLongerLines(crlf, 76);
  const body = plain ? crlf : qp.wrap(qp.encode(crlf), 76);
  return `Content-Type: ${contentType}; charset=utf-8\r\nContent-Transfer-Encoding: ${plain ? '7bit' : 'quoted-printable'}\r\n\r\n${body}`;
}

/** RFC 5322 date-time in UTC, as nodemailer writes it. */
function dateField(date: Date): string {
  return date.toUTCString().replace(/GMT/, '+0000');
}

export function buildMessage(from: Mailbox, parts: MessageParts, boundary = `--_helmdesk_${randomBytes(12).toString('hex')}`): RawMessage {
  const head = [
    field('From', mailbox(from)),
    field('To', parts.to),
    field('Subject', unstructured(parts.subject)),
    field('Message-ID', oneLine(parts.messageId)),
    field('Date', dateField(parts.date)),
    'MIME-Version: 1.0',
    ...Object.entries(parts.headers).map(([name, value]) => {
      if (!headerName.test(name)) throw new Error(`not a header field name: ${JSON.stringify(name)}`);
      return field(name, unstructured(value));
    }),
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ];
  const raw =
    `${head.join('\r\n')}\r\n\r\n` +
    `--${boundary}\r\n${textPart('text/plain', parts.text)}\r\n` +
    `--${boundary}\r\n${textPart('text/html', parts.html)}\r\n` +
    `--${boundary}--\r\n`;
  return { envelope: { from: from.address, to: [parts.to] }, raw };
}
