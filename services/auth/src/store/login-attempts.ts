import { sql, type Kysely } from 'kysely';
import type { LoginLimits } from '../domain/login-limit';
import type { AuthDatabase } from './tables';

type Db = Kysely<AuthDatabase>;
type Attempt = { account: string; address: string };
type RecordedAttempt = { id: number; waits: { account: number | null; address: number | null } };

/** Advisory lock classes (two-key form, apart from the relay's one-key locks). */
const accountLock = 1;
const addressLock = 2;

/**
 * Records a sign-in attempt before the password is checked (so attempts in flight count too; a
 * success deletes it again, a failure leaves it) and, in the same statement, how long each
 * counter stays at its limit counting only the attempts before it: the time until the max-th
 * newest earlier attempt leaves the window (null when there are fewer than max). The database's
 * clock, so all replicas agree.
 *
 * Attempts on one account, and from one address, are recorded one at a time: a transaction lock
 * on each (account first, so two attempts cannot wait for each other), taken before the counting
 * statement, whose snapshot then sees every earlier attempt. Without it, attempts racing in one
 * instant would not see each other and more than the limit would reach the password check.
 */
export async function recordAttempt(
  db: Db,
  attempt: Attempt,
  limits: LoginLimits,
): Promise<RecordedAttempt> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${accountLock}, hashtext(${attempt.account})),
                     pg_advisory_xact_lock(${addressLock}, hashtext(${attempt.address}))`.execute(trx);
    return countedAttempt(trx, attempt, limits);
  });
}

async function countedAttempt(
  db: Db,
  attempt: Attempt,
  limits: LoginLimits,
): Promise<RecordedAttempt> {
  const window = sql`make_interval(secs => ${limits.windowSeconds})`;
  const { rows } = await sql<{ id: number; account: string | number | null; address: string | number | null }>`
    with attempt as (
      insert into login_attempts (account, address) values (${attempt.account}, ${attempt.address}) returning id
    )
    select
      attempt.id,
      extract(epoch from (
        select a.at from login_attempts a
         where a.account = ${attempt.account} and a.id < attempt.id and a.at > now() - ${window}
         order by a.at desc offset ${limits.maxPerAccount - 1} limit 1
      ) + ${window} - now())::float8 as account,
      extract(epoch from (
        select a.at from login_attempts a
         where a.address = ${attempt.address} and a.id < attempt.id and a.at > now() - ${window}
         order by a.at desc offset ${limits.maxPerAddress - 1} limit 1
      ) + ${window} - now())::float8 as address
    from attempt
  `.execute(db);
  const row = rows[0]!;
  const num = (v: string | number | null | undefined) => (v === null || v === undefined ? null : Number(v));
  return { id: Number(row.id), waits: { account: num(row.account), address: num(row.address) } };
}

export async function deleteAttempt(db: Db, id: number): Promise<void> {
  await db.deleteFrom('login_attempts').where('id', '=', id).execute();
}

/** After a successful sign-in: the account's failures are forgiven (the address's are not). */
export async function clearAccountFailures(db: Db, account: string): Promise<void> {
  await db.deleteFrom('login_attempts').where('account', '=', account).execute();
}

/** Forgets attempts older than the window. */
export async function pruneAttempts(db: Db, windowSeconds: number): Promise<number> {
  const result = await db
    .deleteFrom('login_attempts')
    .where('at', '<', sql<Date>`now() - make_interval(secs => ${windowSeconds})`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
