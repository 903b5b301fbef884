import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { TooManyRequests, Unauthorized } from '@helmdesk/platform';
import { retryAfterSeconds } from '../domain/login-limit';
import { decideRefresh, revokesFamily, type RefreshDecision } from '../domain/refresh';
import { normalizeEmail, type UserRecord } from '../domain/user';
import { hashRefreshToken, newRefreshToken } from '../security/refresh-tokens';
import { clearAccountFailures, deleteAttempt, recordAttempt } from '../store/login-attempts';
import { findTokenOwner, insertFamily, lockPresentedToken, revokeFamily, rotateToken } from '../store/refresh-tokens';
import type { AuthDatabase } from '../store/tables';
import { findUser, findUserByEmail, setPasswordHash } from '../store/users';
import type { AuthDeps } from './deps';

export interface Session {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  user: UserRecord;
}

/** The one answer to every failed sign-in: wrong password, unknown email, disabled account. */
export function invalidCredentials(): Unauthorized {
  return new Unauthorized('The email or password is incorrect.');
}

/** The one answer to every refused refresh: unknown, spent, expired, revoked, disabled. */
export function invalidRefreshToken(): Unauthorized {
  return new Unauthorized('The refresh token is invalid, expired or revoked.');
}

function accessTokenFor(deps: AuthDeps, user: UserRecord): string {
  return deps.signer.sign({ sub: user.id, role: user.role });
}

/** A new family (one sign-in) with its first refresh token, and an access token. */
async function startSession(deps: AuthDeps, trx: Kysely<AuthDatabase>, user: UserRecord): Promise<Session> {
  const refresh = newRefreshToken();
  await insertFamily(trx, {
    familyId: randomUUID(),
    userId: user.id,
    tokenHash: refresh.hash,
    ttlSeconds: deps.refreshTtlSeconds,
  });
  return { accessToken: accessTokenFor(deps, user), refreshToken: refresh.token, expiresIn: deps.signer.ttlSeconds, user };
}

/**
 * Sign-in. The attempt is recorded first and checked against both limits (attempts in flight
 * count), so while limited even the right password gets 429 and bcrypt is not run. An unknown
 * email is compared against a dummy hash (same time, same 401). A success deletes the account's
 * failures; a failure leaves its attempt row to be counted.
 */
export async function login(
  deps: AuthDeps,
  input: { email: string; password: string; address: string },
): Promise<Session> {
  const { db, limits, passwords } = deps;
  const account = normalizeEmail(input.email);
  const { id: attemptId, waits } = await recordAttempt(db, { account, address: input.address }, limits);
  const retryAfter = retryAfterSeconds(waits.account, waits.address);
  if (retryAfter !== null) {
    // Refused attempts do not count: the limit lifts when the failures leave the window.
    await deleteAttempt(db, attemptId);
    throw new TooManyRequests(`Too many failed sign-in attempts. Try again in ${retryAfter} s.`, retryAfter);
  }
  const user = await findUserByEmail(db, account);
  const matches = await passwords.verify(input.password, user?.passwordHash);
  if (!user || !matches || user.disabled) throw invalidCredentials();
  if (passwords.needsRehash(user.passwordHash)) {
    // BCRYPT_COST changed since this password was stored: store it at the current cost.
    await setPasswordHash(db, user.id, await passwords.hash(input.password));
  }
  return db.transaction().execute(async (trx) => {
    await clearAccountFailures(trx, account);
    return startSession(deps, trx, user);
  });
}

export type RefreshResult =
  | { ok: true; session: Session }
  | { ok: false; decision: RefreshDecision | 'unknown'; userId?: string; familyId?: string };

/**
 * Rotation: a live token is spent and replaced by a new one of the same family. A spent token
 * presented again revokes the family (its newer token too); a disabled user's family is revoked.
 * The revocation commits even though the caller then answers 401.
 */
export async function refresh(deps: AuthDeps, refreshToken: string): Promise<RefreshResult> {
  const hash = hashRefreshToken(refreshToken);
  return deps.db.transaction().execute(async (trx): Promise<RefreshResult> => {
    const presented = await lockPresentedToken(trx, hash);
    if (!presented) return { ok: false, decision: 'unknown' };
    const decision = decideRefresh(presented, presented.now);
    const who = { userId: presented.userId, familyId: presented.familyId };
    if (revokesFamily(decision)) {
      await revokeFamily(trx, presented.familyId, decision === 'reuse' ? 'reuse' : 'disabled');
    }
    if (decision !== 'rotate') return { ok: false, decision, ...who };
    const user = await findUser(trx, presented.userId);
    if (!user) return { ok: false, decision: 'unknown', ...who };
    const next = newRefreshToken();
    await rotateToken(trx, {
      spentHash: hash,
      familyId: presented.familyId,
      newHash: next.hash,
      ttlSeconds: deps.refreshTtlSeconds,
    });
    return {
      ok: true,
      session: { accessToken: accessTokenFor(deps, user), refreshToken: next.token, expiresIn: deps.signer.ttlSeconds, user },
    };
  });
}

/**
 * Sign-out: revokes the family of the token if it is the caller's. Someone else's token, an
 * unknown one or one revoked already: nothing happens, and the answer is the same.
 */
export async function logout(deps: Pick<AuthDeps, 'db'>, callerId: string, refreshToken: string): Promise<boolean> {
  const owner = await findTokenOwner(deps.db, hashRefreshToken(refreshToken));
  if (!owner || owner.userId !== callerId) return false;
  return revokeFamily(deps.db, owner.familyId, 'logout');
}
