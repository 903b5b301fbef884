import { createHmac, randomUUID, sign, type KeyObject } from 'node:crypto';
import {
  createJwksVerifier,
  createTokenSigner,
  generateSigningKeyPem,
  parseSigningKeys,
  publicJwk,
  type SigningKey,
} from '@helmdesk/platform';
import type { Role } from '@helmdesk/contracts';

/** A signing key and a verifier over it: services under test accept what `mint` signs. */
export function testAuth(keys: SigningKey[] = parseSigningKeys(generateSigningKeyPem())) {
  const signer = createTokenSigner({ keys, issuer: 'helmdesk', audience: 'helmdesk-api', ttlSeconds: 900 });
  return {
    keys,
    jwks: () => ({ keys: keys.map(publicJwk) }),
    verifier: createJwksVerifier({ keys: () => keys.map(publicJwk), issuer: 'helmdesk', audience: 'helmdesk-api' }),
    /** A bearer token for a user of `role` (a new user id unless given). */
    mint(role: Role, sub: string = randomUUID()): { token: string; userId: string; header: string } {
      const token = signer.sign({ sub, role });
      return { token, userId: sub, header: `Bearer ${token}` };
    },
  };
}

/** base64url of a JSON value, as a JWT header or payload is encoded. */
export const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/**
 * Signs a JWT exactly as given (header and claims untouched), with node:crypto: ES256 with a P-256
 * key, RS256 with an RSA key. Tests forge tokens with it.
 */
export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const signature =
    key.asymmetricKeyType === 'ec'
      ? sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' })
      : sign('sha256', Buffer.from(input), key);
  return `${input}.${signature.toString('base64url')}`;
}

/** An HS256 token whose HMAC secret is `secret` (the algorithm-confusion attack), header as given. */
export function signHs256(header: Record<string, unknown>, payload: Record<string, unknown>, secret: string | Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
