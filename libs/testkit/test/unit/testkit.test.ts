import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, mailsTo, stackEnvFrom, uniqueTopicPrefix } from '@helmdesk/testkit';

describe('eventually', () => {
  it('returns the first value that is not undefined or false', async () => {
    let calls = 0;
    await expect(eventually(() => (++calls >= 3 ? calls : undefined), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('fails after its timeout, naming what it waited for and the last error', async () => {
    await expect(
      eventually(() => {
        throw new Error('not yet');
      }, { timeoutMs: 30, intervalMs: 5, what: 'the thing' }),
    ).rejects.toThrow('timed out after 30 ms waiting for the thing: not yet');
  });
});

describe('the mail sink reader', () => {
  it('finds mails by recipient, with folded headers unfolded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mail-'));
    writeFileSync(join(dir, '1.eml'), 'To: Carol <carol@example.com>\r\nSubject: Your case\r\n  was opened\r\n\r\nbody');
    writeFileSync(join(dir, '2.eml'), 'To: dave@example.com\r\nSubject: Other\r\n\r\nbody');
    writeFileSync(join(dir, 'note.txt'), 'To: carol@example.com');
    const mails = mailsTo('CAROL@example.com', dir);
    expect(mails.map((m) => m.subject)).toEqual(['Your case was opened']);
  });
});

describe('topic prefixes', () => {
  it('are unique per call and valid topic name characters', () => {
    const a = uniqueTopicPrefix('x');
    expect(a).toMatch(/^x-[0-9a-f]{8}\.$/);
    expect(uniqueTopicPrefix('x')).not.toBe(a);
  });
});

describe('the stack addresses', () => {
  it('when only the stack’s port variables are set, then they are followed (not the default ports)', () => {
    const env = stackEnvFrom({ HELMDESK_PG_PORT: '25432', HELMDESK_KAFKA_PORT: '29092', HELMDESK_SMTP_PORT: '21025' });
    expect(env).toMatchObject({
      databaseUrl: 'postgres://helmdesk:helmdesk@127.0.0.1:25432/helmdesk',
      kafkaBrokers: ['127.0.0.1:29092'],
      smtpUrl: 'smtp://127.0.0.1:21025',
    });
  });

  it('when explicit addresses are given, then they win; with nothing set, the defaults', () => {
    expect(stackEnvFrom({ DATABASE_URL: 'postgres://x@db:6543/y', HELMDESK_PG_PORT: '25432', KAFKA_BROKERS: 'a:1,b:2' })).toMatchObject({
      databaseUrl: 'postgres://x@db:6543/y',
      kafkaBrokers: ['a:1', 'b:2'],
    });
    expect(stackEnvFrom({})).toMatchObject({ databaseUrl: 'postgres://helmdesk:helmdesk@127.0.0.1:5432/helmdesk', kafkaBrokers: ['127.0.0.1:9092'], smtpUrl: 'smtp://127.0.0.1:1025' });
  });
});
