import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, mailsTo, uniqueTopicPrefix } from '@helmdesk/testkit';

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
