import { randomUUID } from 'node:crypto';
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
