import { createPublicKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { roleSchema } from '@helmdesk/contracts';
import { Unauthorized } from '../errors';
import type { TokenVerifier } from '../http/authenticate';
import type { AuthUser } from '../http/route';
import type { JwtAlgorithm, PublicJwk } from './keys';

interface VerificationKey {
  kid: string;
  alg: JwtAlgorithm;
  key: KeyObject;
}

export interface JwksVerifierOptions {
  /** Where the public keys are: the auth service's `/.well-known/jwks.json`. */
  jwksUrl?: string;
  /** Or the keys themselves (the auth service verifies with its own keys). */
  keys?: () => PublicJwk[];
  issuer: string;
  audience: string;
  /** An unknown `kid` refetches the JWKS at most this often. */
  refetchIntervalMs?: number;
  fetchTimeoutMs?: number;
  clockToleranceSeconds?: number;
  /** Verified tokens remembered until they expire (0 turns the cache off). */
  cacheSize?: number;
}

const allowedAlgorithms = new Set<string>(['ES256', 'RS256']);

function toVerificationKeys(jwks: unknown): Map<string, VerificationKey> {
  const keys = new Map<string, VerificationKey>();
  const list = (jwks as { keys?: unknown })?.keys;
  if (!Array.isArray(list)) throw new Error('JWKS has no keys array');
  for (const jwk of list as PublicJwk[]) {
    if (typeof jwk.kid !== 'string' || !allowedAlgorithms.has(jwk.alg) || (jwk.use && jwk.use !== 'sig')) continue;
    if ('d' in jwk) continue; // never accept private material as a verification key
    keys.set(jwk.kid, { kid: jwk.kid, alg: jwk.alg, key: createPublicKey({ key: jwk as never, format: 'jwk' }) });
  }
  return keys;
}

interface VerifiedToken {
  user: AuthUser;
  /** When it stops being accepted (ms): `exp` plus the clock tolerance. */
  until: number;
  /** The key that verified it: a token is only remembered while that very key is still trusted. */
  key: VerificationKey;
}

/**
 * Verifies access tokens against the JWKS: signature by a published key, algorithm pinned to
 * that key's `alg`, `iss`, `aud`, `exp`, and the Helmdesk claims. Keys are cached; an unknown
 * `kid` refetches, rate-limited.
 *
 * A token that verified is remembered (keyed by its exact text, bounded, oldest dropped first)
 * until it expires or its key leaves the JWKS: a client sends the same token with every request
 * for up to 15 minutes, and checking an ECDSA signature again each time was the largest single
 * cost of a gateway hop (BENCHMARKS.md §1; docs/decisions/0017-verified-token-cache.md). Failures
 * are never remembered.
 */
export function createJwksVerifier(options: JwksVerifierOptions): TokenVerifier & { refresh(): Promise<void> } {
  let keys = new Map<string, VerificationKey>();
  let lastFetch = 0;
  let inflight: Promise<void> | null = null;
  const refetchInterval = options.refetchIntervalMs ?? 10_000;
  const toleranceSeconds = options.clockToleranceSeconds ?? 5;
  const cacheSize = options.cacheSize ?? 10_000;
  const verified = new Map<string, VerifiedToken>();

  function remembered(token: string): AuthUser | undefined {
    const hit = verified.get(token);
    if (!hit) return undefined;
    if (Date.now() < hit.until && keys.get(hit.key.kid) === hit.key) return hit.user;
    verified.delete(token);
    return undefined;
  }

  function remember(token: string, entry: VerifiedToken): void {
    if (cacheSize <= 0) return;
    if (verified.size >= cacheSize) verified.delete(verified.keys().next().value!);
    verified.set(token, entry);
  }

  async function load(): Promise<void> {
    if (options.keys) {
      keys = toVerificationKeys({ keys: options.keys() });
      return;
    }
    const response = await fetch(options.jwksUrl!, {
      signal: AbortSignal.timeout(options.fetchTimeoutMs ?? 3_000),
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`JWKS fetch answered ${response.status}`);
    keys = toVerificationKeys(await response.json());
  }

  async function refresh(): Promise<void> {
    inflight ??= load().finally(() => {
      lastFetch = Date.now();
      inflight = null;
    });
    return inflight;
  }

  async function keyFor(kid: string): Promise<VerificationKey | undefined> {
    if (!keys.has(kid) && (Date.now() - lastFetch >= refetchInterval || lastFetch === 0)) {
      await refresh().catch(() => undefined);
    }
    return keys.get(kid);
  }

  return {
    refresh,
    async verify(token: string): Promise<AuthUser> {
      const known = remembered(token);
      if (known) return known;
      const decoded = jwt.decode(token, { complete: true });
      if (!decoded || typeof decoded.payload === 'string') throw new Unauthorized('The access token is malformed.');
      const { kid, alg } = decoded.header;
      if (!kid || !allowedAlgorithms.has(alg)) throw new Unauthorized('The access token is not signed with an accepted key.');
      const key = await keyFor(kid);
      if (!key || key.alg !== alg) throw new Unauthorized('The access token is not signed with an accepted key.');
      let payload: jwt.JwtPayload;
      try {
        payload = jwt.verify(token, key.key, {
          algorithms: [key.alg],
          issuer: options.issuer,
          audience: options.audience,
          clockTolerance: toleranceSeconds,
        }) as jwt.JwtPayload;
      } catch (err) {
        const expired = err instanceof jwt.TokenExpiredError;
        throw new Unauthorized(expired ? 'The access token has expired.' : 'The access token is invalid.');
      }
      const role = roleSchema.safeParse(payload.role);
      if (!role.success || typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.exp !== 'number') {
        throw new Unauthorized('The access token lacks required claims.');
      }
      const user: AuthUser = { id: payload.sub, role: role.data, tokenId: payload.jti };
      remember(token, { user, until: (payload.exp + toleranceSeconds) * 1000, key });
      return user;
    },
  };
}
