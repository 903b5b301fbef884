import { createEmailSender } from '../../src/delivery/email-sender';
import { buildMessage, isPlainAddress, parseMailbox, type MessageParts } from '../../src/delivery/mime-message';
import { MailSink, parseMail } from '../support/mail-sink';

const helmdesk = { name: 'Helmdesk', address: 'no-reply@helmdesk.local' };

function parts(overrides: Partial<MessageParts> = {}): MessageParts {
  return {
    to: 'ada@example.com',
    subject: 'Your case is open',
    text: 'Hello Ada,\n\nYour case is open.\n',
    html: '<p>Hello Ada,</p>\n<p>Your case is open.</p>',
    messageId: '<d-1@helmdesk.local>',
    date: new Date('2026-11-24T06:00:00Z'),
    headers: { 'Auto-Submitted': 'auto-generated', 'X-Helmdesk-Delivery': 'd-1' },
    ...overrides,
  };
}

function headerLines(raw: string): string[] {
  return raw.slice(0, raw.indexOf('\r\n\r\n')).split('\r\n');
}

describe('buildMessage', () => {
  it('builds a multipart/alternative message with the envelope, the headers and both bodies', () => {
    const { envelope, raw } = buildMessage(helmdesk, parts());
    expect(envelope).toEqual({ from: 'no-reply@helmdesk.local', to: ['ada@example.com'] });
    const mail = parseMail(raw, envelope.to);
    expect(mail.headers).toMatchObject({
      from: 'Helmdesk <no-reply@helmdesk.local>',
      to: 'ada@example.com',
      subject: 'Your case is open',
      'message-id': '<d-1@helmdesk.local>',
      date: 'Tue, 24 Nov 2026 06:00:00 +0000',
      'mime-version': '1.0',
      'auto-submitted': 'auto-generated',
      'x-helmdesk-delivery': 'd-1',
    });
    expect(mail.headers['content-type']).toMatch(/^multipart\/alternative; boundary="[^"]+"$/);
    expect(mail.text).toBe('Hello Ada,\n\nYour case is open.');
    expect(mail.html).toBe('<p>Hello Ada,</p>\n<p>Your case is open.</p>');
    // Plain ASCII in short lines goes as it is, as nodemailer would send it.
    expect(raw).toContain('Content-Transfer-Encoding: 7bit\r\n\r\nHello Ada,\r\n\r\nYour case is open.\r\n');
  });

  it('ends every line with CRLF and keeps a message of Unicode and long lines in 7-bit ASCII lines of at most 76 characters', () => {
    const subject = 'Ihre Anfrage „Drucker brennt“ — 打印机着火了 — ' + 'sehr '.repeat(20);
    const text = `Grüße, Zoë!\n${'Eine sehr lange Zeile ohne Umbruch, '.repeat(10)}\r\nLetzte Zeile mit = und =?utf-8?q?x?= darin`;
    const html = `<p>${'ü'.repeat(200)}</p>`;
    const { raw, envelope } = buildMessage(helmdesk, parts({ subject, text, html }));
    expect(raw).toMatch(/^[\x20-\x7e\r\n]*$/);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    for (const line of raw.split('\r\n')) expect(line.length).toBeLessThanOrEqual(76);
    const mail = parseMail(raw, envelope.to);
    expect(mail.subject).toBe(subject);
    expect(mail.text).toBe(text.replace(/\r\n/g, '\n'));
    expect(mail.html).toBe(html);
    expect(raw.match(/Content-Transfer-Encoding: quoted-printable/g)).toHaveLength(2);
  });

  it('keeps line breaks and control characters out of the headers, so a subject cannot add a header field', () => {
    const { raw } = buildMessage(
      helmdesk,
      parts({ subject: 'Hi\r\nBcc: eve@example.com\nX-Evil: 1\u0000', headers: { 'X-Helmdesk-Delivery': 'd-1\r\nBcc: eve@example.com' } }),
    );
    const lines = headerLines(raw);
    expect(lines.filter((l) => /^(bcc|x-evil):/i.test(l))).toEqual([]);
    expect(parseMail(raw, []).subject).toBe('Hi Bcc: eve@example.com X-Evil: 1');
    expect(() => buildMessage(helmdesk, parts({ headers: { 'Bad\r\nName': 'x' } }))).toThrow(/not a header field name/);
  });

  it('encodes a subject that looks like an encoded word, so a reader does not decode it into something else', () => {
    const subject = 'Case =?utf-8?B?SGFja2Vk?= open';
    const { raw } = buildMessage(helmdesk, parts({ subject }));
    expect(headerLines(raw).find((l) => l.startsWith('Subject:'))).not.toContain('=?utf-8?B?SGFja2Vk?=');
    expect(parseMail(raw, []).subject).toBe(subject);
  });

  it('writes the sender name as an atom, a quoted string or an encoded word, as it needs', () => {
    const from = (name: string) => headerLines(buildMessage({ name, address: 'a@b.example' }, parts()).raw).find((l) => l.startsWith('From:'));
    expect(from('')).toBe('From: a@b.example');
    expect(from('Helmdesk Support')).toBe('From: Helmdesk Support <a@b.example>');
    expect(from('Help, "Desk"')).toBe('From: "Help, \\"Desk\\"" <a@b.example>');
    expect(from('Hélp Desk')).toMatch(/^From: =\?UTF-8\?Q\?H=C3=A9lp_Desk\?= <a@b\.example>$/i);
  });
});

describe('which mails take the fast path', () => {
  it('accepts a single mailbox with a plain ASCII address as the sender, nothing else', () => {
    expect(parseMailbox('Helmdesk <no-reply@helmdesk.local>')).toEqual(helmdesk);
    expect(parseMailbox('no-reply@helmdesk.local')).toEqual({ name: '', address: 'no-reply@helmdesk.local' });
    expect(parseMailbox('a@b.example, c@d.example')).toBeNull();
    expect(parseMailbox('Shop <info@bücher.example>')).toBeNull();
  });

  it('accepts plain ASCII recipients only', () => {
    expect(isPlainAddress("o'brien+cases@mail.example.com")).toBe(true);
    expect(isPlainAddress('zoë@example.com')).toBe(false);
    expect(isPlainAddress('ada@bücher.example')).toBe(false);
    expect(isPlainAddress('"ada lovelace"@example.com')).toBe(false);
    expect(isPlainAddress('ada@example.com>\r\nBcc: eve@example.com')).toBe(false);
  });
});

describe('the email sender against a real SMTP server', () => {
  const sink = new MailSink();
  let sender: ReturnType<typeof createEmailSender>;
  beforeAll(async () => {
    await sink.start();
    sender = createEmailSender({ smtpUrl: sink.url, from: 'Helmdesk <no-reply@helmdesk.local>', timeoutMs: 5_000, connections: 1 });
  });
  afterAll(async () => {
    sender.close();
    await sink.stop();
  });

  it.each([
    ['built here', 'ada@example.com'],
    ["built by nodemailer's composer", 'ada@bücher.example'],
  ])('delivers a mail %s with the same headers and bodies', async (_how, to) => {
    const result = await sender.send({
      to,
      subject: 'Ihre Anfrage „Drucker“',
      text: 'Grüße,\nHelmdesk',
      html: '<p>Grüße,</p>',
      messageId: `<${to}@helmdesk.local>`,
      deliveryId: 'd-7',
    });
    expect(result).toEqual({ ok: true });
    const [mail] = sink.mails.filter((m) => m.messageId === `<${to}@helmdesk.local>`);
    expect(mail).toMatchObject({ subject: 'Ihre Anfrage „Drucker“', text: 'Grüße,\nHelmdesk', html: '<p>Grüße,</p>' });
    expect(mail!.headers).toMatchObject({ from: 'Helmdesk <no-reply@helmdesk.local>', 'auto-submitted': 'auto-generated', 'x-helmdesk-delivery': 'd-7' });
    expect(mail!.envelopeTo).toHaveLength(1);
  });

  it('delivers a body with a line holding a single dot whole (the SMTP transport stuffs it)', async () => {
    const text = 'First line\n.\n..two dots\nLast line';
    expect(await sender.send({ to: 'dot@example.com', subject: 'Dots', text, html: '<p>.</p>', messageId: '<dots@helmdesk.local>', deliveryId: 'd-8' })).toEqual({
      ok: true,
    });
    const [mail] = sink.mails.filter((m) => m.messageId === '<dots@helmdesk.local>');
    expect(mail!.text).toBe(text);
  });
});
