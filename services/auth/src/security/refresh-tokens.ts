import { createHash, randomBytes } from 'node:crypto';

/** A refresh token: 256 random bits, base64url (43 characters). Only its hash is stored. */
export function newRefreshToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashRefreshToken(token) };
}

/** SHA-256 of the token: enough for 256-bit random secrets (no salt or slow hash needed). */
export function hashRefreshToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
