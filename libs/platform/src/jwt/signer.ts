import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { Role } from '@helmdesk/contracts';
import type { SigningKey } from './keys';

export interface TokenSignerOptions {
  keys: SigningKey[];
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

export interface AccessTokenClaims {
  sub: string;
  role: Role;
}

/** Signs access tokens with the newest key (the last one given). */
export function createTokenSigner(options: TokenSignerOptions) {
  const key = options.keys.at(-1);
  if (!key) throw new Error('at least one signing key is needed');
  return {
    kid: key.kid,
    ttlSeconds: options.ttlSeconds,
    sign(claims: AccessTokenClaims): string {
      return jwt.sign({ role: claims.role }, key.privateKey, {
        algorithm: key.alg,
        keyid: key.kid,
        subject: claims.sub,
        issuer: options.issuer,
        audience: options.audience,
        expiresIn: options.ttlSeconds,
        jwtid: randomUUID(),
      });
    },
  };
}

export type TokenSigner = ReturnType<typeof createTokenSigner>;
