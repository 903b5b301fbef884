import { sql, type Kysely } from 'kysely';
import type { Role } from '@helmdesk/contracts';
import type { UserRecord } from '../domain/user';
import type { AuthDatabase, UserRow } from './tables';

type Db = Kysely<AuthDatabase>;

function toRecord(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface NewUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  passwordHash: string;
}

/** Inserts a user; undefined when the email (any case) is taken. */
export async function insertUser(db: Db, u: NewUser): Promise<UserRecord | undefined> {
  const row = await db
    .insertInto('users')
    .values({ id: u.id, email: u.email, name: u.name, role: u.role, password_hash: u.passwordHash })
    .onConflict((oc) => oc.expression(sql`lower(email)`).doNothing())
    .returningAll()
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function findUser(db: Db, id: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

/** Reads a user and locks the row until the transaction ends. */
export async function lockUser(trx: Db, id: string): Promise<UserRecord | undefined> {
  const row = await trx.selectFrom('users').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row && toRecord(row);
}

/** By email, whatever its case. */
export async function findUserByEmail(db: Db, email: string): Promise<UserRecord | undefined> {
  const row = await db
    .selectFrom('users')
    .selectAll()
    .where(sql<string>`lower(email)`, '=', email.trim().toLowerCase())
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function anyAdminExists(db: Db): Promise<boolean> {
  const row = await db.selectFrom('users').select('id').where('role', '=', 'admin').limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function updateUser(
  db: Db,
  id: string,
  set: { name?: string; role?: Role; disabled?: boolean },
): Promise<UserRecord> {
  const row = await db
    .updateTable('users')
    .set({ ...set, updated_at: sql<Date>`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

export async function setPasswordHash(db: Db, id: string, passwordHash: string): Promise<void> {
  await db.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', id).execute();
}

/** `%`, `_` and `\` match themselves in a LIKE pattern built from user input. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface UserListQuery {
  role?: Role;
  /** Part of the email or the name, any case. */
  q?: string;
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** Users newest first (ties by id); callers pass limit + 1 to learn whether more follow. */
export async function listUsers(db: Db, q: UserListQuery): Promise<UserRecord[]> {
  let query = db.selectFrom('users').selectAll();
  if (q.role !== undefined) query = query.where('role', '=', q.role);
  if (q.q !== undefined) {
    const pattern = likePattern(q.q);
    query = query.where((eb) => eb.or([eb('email', 'ilike', pattern), eb('name', 'ilike', pattern)]));
  }
  const after = q.after;
  if (after) {
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map(toRecord);
}
