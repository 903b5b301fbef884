import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stackEnv } from './stack';

export interface SunkMail {
  file: string;
  to: string;
  subject: string;
  raw: string;
}

/** A header of a stored mail, its folded continuation lines joined; '' when absent. */
export function mailHeader(raw: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(raw);
  return match ? match[1]!.replace(/\r?\n[ \t]+/g, ' ').trim() : '';
}

/** Mails the local SMTP sink stored (one .eml file each) whose To: contains `address`. */
export function mailsTo(address: string, dir = stackEnv.mailDir): SunkMail[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .map((file) => {
      const raw = readFileSync(join(dir, file), 'utf8');
      return { file, raw, to: mailHeader(raw, 'To'), subject: mailHeader(raw, 'Subject') };
    })
    .filter((m) => m.to.toLowerCase().includes(address.toLowerCase()));
}
