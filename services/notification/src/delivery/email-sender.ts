import nodemailer from 'nodemailer';
import type { RenderedMail } from '../domain/templates';
import { buildMessage, isPlainAddress, parseMailbox } from './mime-message';

export interface OutgoingMail extends RenderedMail {
  to: string;
  /** Stable across retries (the delivery id), so a receiving system can drop a duplicate. */
  messageId: string;
  deliveryId: string;
}

/**
 * How a send ended: `unavailable` means the mail server could not be reached or refused service
 * (the message is not at fault, so it waits without using up an attempt); `permanent` means this
 * message will never be accepted (5xx for the recipient).
 */
export type MailResult =
  | { ok: true }
  | { ok: false; error: string; kind: 'unavailable' | 'permanent' | 'retry' };

export interface EmailSender {
  send(mail: OutgoingMail): Promise<MailResult>;
  close(): void;
}

export interface EmailSenderOptions {
  smtpUrl: string;
  from: string;
  timeoutMs: number;
  connections: number;
}

const serverUnavailable = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ETLS', 'EAUTH', 'ENOAUTH', 'EABORT', 'EPROTOCOL']);
/** Our side is misconfigured (credentials, TLS): no message can go until an operator fixes it. */
const configurationProblem = new Set(['EAUTH', 'ENOAUTH', 'ETLS']);
/** 421 service not available; 530 authentication required; 535 bad credentials; 538 encryption required. */
const serviceRefused = new Set([421, 530, 535, 538]);

interface SmtpError {
  code?: string;
  responseCode?: number;
  message?: string;
}

export function classifySmtpError(err: SmtpError): Exclude<MailResult, { ok: true }> {
  const error = `${err.code ?? 'ERROR'}${err.responseCode ? ` ${err.responseCode}` : ''}: ${err.message ?? String(err)}`.slice(0, 500);
  const status = err.responseCode;
  const code = err.code ?? '';
  if (configurationProblem.has(code) || (status !== undefined && serviceRefused.has(status)) || (status === undefined && serverUnavailable.has(code))) {
    return { ok: false, error, kind: 'unavailable' };
  }
  if (status !== undefined && status >= 500) return { ok: false, error, kind: 'permanent' };
  if (status === undefined && code === 'EENVELOPE') return { ok: false, error, kind: 'permanent' };
  return { ok: false, error, kind: 'retry' };
}

const extraHeaders = (mail: OutgoingMail) => ({ 'Auto-Submitted': 'auto-generated', 'X-Helmdesk-Delivery': mail.deliveryId });

/**
 * Sends over a pooled SMTP connection; every send is bounded by `timeoutMs`. A mail between plain
 * ASCII addresses is built here (mime-message.ts) and handed over finished; any other goes
 * through nodemailer's own composer.
 */
export function createEmailSender(options: EmailSenderOptions): EmailSender {
  const sender = parseMailbox(options.from);
  const transport = nodemailer.createTransport(
    {
      pool: true,
      url: options.smtpUrl,
      maxConnections: options.connections,
      maxMessages: 1_000,
      connectionTimeout: options.timeoutMs,
      greetingTimeout: options.timeoutMs,
      socketTimeout: options.timeoutMs,
      logger: false,
      disableFileAccess: true,
      disableUrlAccess: true,
    },
    { from: options.from },
  );
  return {
    async send(mail) {
      // Our own timer, cleared when the send ends: an AbortSignal.timeout() would still fire (and
      // build a DOMException) for every mail long after it was sent.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(new Error(`SMTP send timed out after ${options.timeoutMs} ms`)), options.timeoutMs);
      try {
        await transport.sendMail(
          sender && isPlainAddress(mail.to)
            ? { ...buildMessage(sender, { ...mail, date: new Date(), headers: extraHeaders(mail) }), signal: deadline.signal }
            : {
                to: mail.to,
                subject: mail.subject,
                text: mail.text,
                html: mail.html,
                messageId: mail.messageId,
                headers: extraHeaders(mail),
                signal: deadline.signal,
              },
        );
        return { ok: true };
      } catch (err) {
        return classifySmtpError(err as SmtpError);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      transport.close();
    },
  };
}
