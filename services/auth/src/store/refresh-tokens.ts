import { sql, type Kysely } from 'kysely';
import type { RefreshTokenState } from '../domain/refresh';
import type { AuthDatabase, RevokedReason } from './tables';

type Db = Kysely<AuthDatabase>;

/** Expiry on the database clock, which every replica shares. */
const expiresIn = (ttlSeconds: number) => sql<Date>`now() + make_interval(secs => ${ttlSeconds})`;

/** Starts a family (one sign-in) with its first token. */
export async function insertFamily(
  db: Db,
  f: { familyId: string; userId: string; tokenHash: Buffer; ttlSeconds: number },
): Promise<void> {
  await db.insertInto('refresh_families').values({ id: f.familyId, user_id: f.userId }).execute();
  await db
    .insertInto('refresh_tokens')
    .values({ token_hash: f.tokenHash, family_id: f.familyId, expires_at: expiresIn(f.ttlSeconds) })
    .execute();
}

export interface PresentedToken extends RefreshTokenState {
  familyId: string;
  userId: string;
  /** The database's clock, which expiry is decided by. */
  now: Date;
}

/**
 * The token with that hash, its family and its user, with the token and family rows locked until
 * the transaction ends: two refreshes of one token are decided one after the other.
 */
export async function lockPresentedToken(trx: Db, tokenHash: Buffer): Promise<PresentedToken | undefined> {
  const row = await trx
    .selectFrom('refresh_tokens as t')
    .innerJoin('refresh_families as f', 'f.id', 't.family_id')
    .innerJoin('users as u', 'u.id', 'f.user_id')
    .select(['t.family_id', 't.spent_at', 't.expires_at', 'f.revoked_at', 'f.user_id', 'u.disabled'])
    .select(sql<Date>`now()`.as('now'))
    .where('t.token_hash', '=', tokenHash)
    .forUpdate(['t', 'f'])
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    familyId: row.family_id,
    userId: row.user_id,
    spentAt: row.spent_at,
    expiresAt: row.expires_at,
    familyRevokedAt: row.revoked_at,
    userDisabled: row.disabled,
    now: row.now,
  };
}

/** The family a token belongs to, and whose it is (no lock). */
export async function findTokenOwner(
  db: Db,
  tokenHash: Buffer,
): Promise<{ familyId: string; userId: string } | undefined> {
  const row = await db
    .selectFrom('refresh_tokens as t')
    .innerJoin('refresh_families as f', 'f.id', 't.family_id')
    .select(['t.family_id', 'f.user_id'])
    .where('t.token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row && { familyId: row.family_id, userId: row.user_id };
}

/** Spends a token and adds its successor to the same family. */
export async function rotateToken(
  trx: Db,
  r: { spentHash: Buffer; familyId: string; newHash: Buffer; ttlSeconds: number },
): Promise<void> {
  await trx.updateTable('refresh_tokens').set({ spent_at: sql<Date>`now()` }).where('token_hash', '=', r.spentHash).execute();
  await trx
    .insertInto('refresh_tokens')
    .values({ token_hash: r.newHash, family_id: r.familyId, expires_at: expiresIn(r.ttlSeconds) })
    .execute();
}

/** Revokes one family (a no-op when it is revoked already). */
export async function revokeFamily(db: Db, familyId: string, reason: RevokedReason): Promise<boolean> {
  const result = await db
    .updateTable('refresh_families')
    .set({ revoked_at: sql<Date>`now()`, revoked_reason: reason })
    .where('id', '=', familyId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Revokes every live family of a user; returns how many. */
export async function revokeUserFamilies(db: Db, userId: string, reason: RevokedReason): Promise<number> {
  const result = await db
    .updateTable('refresh_families')
    .set({ revoked_at: sql<Date>`now()`, revoked_reason: reason })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Forgets families that can no longer do anything: revoked, or whose every token expired, for
 * longer than `graceSeconds` (presenting one of their tokens is a 401 either way).
 */
export async function pruneFamilies(db: Db, graceSeconds = 86_400): Promise<number> {
  const result = await sql`
    delete from refresh_families f
     where f.revoked_at < now() - make_interval(secs => ${graceSeconds})
        or not exists (
             select 1 from refresh_tokens t
              where t.family_id = f.id and t.expires_at > now() - make_interval(secs => ${graceSeconds}))
           and f.created_at < now() - make_interval(secs => ${graceSeconds})
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}
