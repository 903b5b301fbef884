import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKeyPem, parseSigningKeys, type SigningKey } from '@helmdesk/platform';
import { normalizePem } from '../config';

export const devKeyFileName = 'signing-key.pem';

export interface SigningKeySource {
  keys: SigningKey[];
  /** Where they came from, for the start-up log (never the key itself). */
  origin: 'JWT_SIGNING_KEYS' | 'generated' | 'dev-keys-dir';
  file?: string;
}

/**
 * The signing keys: `JWT_SIGNING_KEYS` (one or more PEM private keys, PKCS#8 or SEC1/PKCS#1; the
 * last one signs, all are published), or for local runs a key generated once into
 * `HELMDESK_DEV_KEYS_DIR/signing-key.pem` (mode 600) and reused on every start.
 */
export function loadSigningKeys(config: { JWT_SIGNING_KEYS?: string | undefined; HELMDESK_DEV_KEYS_DIR?: string | undefined }): SigningKeySource {
  if (config.JWT_SIGNING_KEYS !== undefined) {
    return { keys: parseSigningKeys(normalizePem(config.JWT_SIGNING_KEYS)), origin: 'JWT_SIGNING_KEYS' };
  }
  const dir = config.HELMDESK_DEV_KEYS_DIR;
  if (dir === undefined) throw new Error('JWT_SIGNING_KEYS is required (or HELMDESK_DEV_KEYS_DIR for local runs)');
  const file = join(dir, devKeyFileName);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (existsSync(file)) return { keys: parseSigningKeys(readFileSync(file, 'utf8')), origin: 'dev-keys-dir', file };
  let origin: SigningKeySource['origin'] = 'dev-keys-dir';
  // Written aside, then linked into place: the link fails if the file exists, so two processes
  // starting together agree on one key, and nobody ever reads a half-written file.
  const temp = join(dir, `.${devKeyFileName}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(temp, generateSigningKeyPem(), { flag: 'wx', mode: 0o600 });
  try {
    linkSync(temp, file);
    origin = 'generated';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(temp);
  }
  const pem = readFileSync(file, 'utf8');
  return { keys: parseSigningKeys(pem), origin, file };
}
