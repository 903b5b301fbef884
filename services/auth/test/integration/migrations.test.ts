import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { createDatabase, migrateDown, migrateToLatest, migrationsApplied, type Database } from '@helmdesk/platform';
import { createTestDatabase, type TestDatabase } from '@helmdesk/testkit';
import { authMigrations } from '../../src/migrations';
import { newRefreshToken } from '../../src/security/refresh-tokens';
import { insertFamily, lockPresentedToken } from '../../src/store/refresh-tokens';
import type { AuthDatabase } from '../../src/store/tables';
import { findUserByEmail, insertUser } from '../../src/store/users';

jest.setTimeout(60_000);

let testDb: TestDatabase;
let database: Database<AuthDatabase>;
const asUnknown = () => database as Database<unknown>;

beforeAll(async () => {
  testDb = await createTestDatabase('auth_migrations');
  database = createDatabase<AuthDatabase>({ url: testDb.url, schema: 'auth' });
});

afterAll(async () => {
  await database.close();
  await testDb.drop();
});

async function tables(): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'auth' order by table_name
  `.execute(database.db as Kysely<unknown>);
  return rows.map((r) => r.table_name);
}

async function writeUserWithSession(email: string): Promise<string> {
  const user = await insertUser(database.db, { id: randomUUID(), email, name: 'n', role: 'customer', passwordHash: 'x' });
  await insertFamily(database.db, { familyId: randomUUID(), userId: user!.id, tokenHash: newRefreshToken().hash, ttlSeconds: 60 });
  return user!.id;
}

describe('the auth schema migrations', () => {
  it('go up, hold data, go down with data in place, and come up again empty and usable', async () => {
    await migrateToLatest(asUnknown(), authMigrations);
    expect(await migrationsApplied(asUnknown(), authMigrations)).toBe(true);
    expect(await tables()).toEqual(expect.arrayContaining(['users', 'refresh_families', 'refresh_tokens', 'login_attempts']));
    const id = await writeUserWithSession('Keep@Example.com');
    expect((await findUserByEmail(database.db, 'keep@example.COM'))?.id).toBe(id);

    for (const name of Object.keys(authMigrations).reverse()) expect(await migrateDown(asUnknown(), authMigrations)).toBe(name);
    const afterDown = await tables();
    for (const t of ['users', 'refresh_families', 'refresh_tokens', 'login_attempts']) expect(afterDown).not.toContain(t);
    expect(afterDown).toEqual(expect.arrayContaining(['outbox', 'processed_event', 'idempotency_key']));

    await migrateToLatest(asUnknown(), authMigrations);
    expect(await findUserByEmail(database.db, 'keep@example.com')).toBeUndefined();
    await writeUserWithSession('keep@example.com');
  });

  it('keep the database honest: one account per email in any case, known roles only, tokens belong to a family', async () => {
    await migrateToLatest(asUnknown(), authMigrations);
    const db = database.db;
    await db.insertInto('users').values({ id: randomUUID(), email: 'Dup@example.com', name: 'n', role: 'customer', password_hash: 'x' }).execute();
    await expect(
      db.insertInto('users').values({ id: randomUUID(), email: 'dup@EXAMPLE.com', name: 'n', role: 'customer', password_hash: 'x' }).execute(),
    ).rejects.toThrow(/users_email_key/);
    expect(await insertUser(db, { id: randomUUID(), email: 'DUP@example.com', name: 'n', role: 'agent', passwordHash: 'x' })).toBeUndefined();
    await expect(
      db.insertInto('users').values({ id: randomUUID(), email: 'r@example.com', name: 'n', role: 'root' as never, password_hash: 'x' }).execute(),
    ).rejects.toThrow(/check/);
    await expect(
      db.insertInto('refresh_tokens').values({ token_hash: Buffer.alloc(32), family_id: randomUUID(), expires_at: new Date() }).execute(),
    ).rejects.toThrow(/foreign key/);
    expect(await lockPresentedToken(db, Buffer.alloc(32))).toBeUndefined();
  });
});
