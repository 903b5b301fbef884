import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createDatabase, createLogger, migrateToLatest, type Database } from '@helmdesk/platform';
import { createTestDatabase, type TestDatabase } from '@helmdesk/testkit';
import { AuthHousekeeping } from '../../src/housekeeping';
import { authMigrations } from '../../src/migrations';
import { newRefreshToken } from '../../src/security/refresh-tokens';
import { insertFamily, revokeFamily } from '../../src/store/refresh-tokens';
import type { AuthDatabase } from '../../src/store/tables';
import { insertUser } from '../../src/store/users';

jest.setTimeout(60_000);

let testDb: TestDatabase;
let database: Database<AuthDatabase>;

beforeAll(async () => {
  testDb = await createTestDatabase('auth_housekeeping');
  database = createDatabase<AuthDatabase>({ url: testDb.url, schema: 'auth' });
  await migrateToLatest(database as Database<unknown>, authMigrations);
});

afterAll(async () => {
  await database.close();
  await testDb.drop();
});

describe('auth housekeeping', () => {
  it('when it runs, then attempts older than the window and dead families go; recent attempts and live families stay', async () => {
    const db = database.db;
    const user = (await insertUser(db, { id: randomUUID(), email: 'hk@example.com', name: 'n', role: 'customer', passwordHash: 'x' }))!;
    const family = async (ttlSeconds: number) => {
      const id = randomUUID();
      await insertFamily(db, { familyId: id, userId: user.id, tokenHash: newRefreshToken().hash, ttlSeconds });
      return id;
    };
    const live = await family(3600);
    const revokedLongAgo = await family(3600);
    const revokedJustNow = await family(3600);
    const expiredLongAgo = await family(60);
    await revokeFamily(db, revokedLongAgo, 'logout');
    await revokeFamily(db, revokedJustNow, 'logout');
    await sql`update refresh_families set revoked_at = now() - interval '2 days' where id = ${revokedLongAgo}`.execute(db);
    await sql`update refresh_families set created_at = now() - interval '40 days' where id = ${expiredLongAgo}`.execute(db);
    await sql`update refresh_tokens set expires_at = now() - interval '2 days' where family_id = ${expiredLongAgo}`.execute(db);

    await db.insertInto('login_attempts').values([{ account: 'old', address: 'a' }, { account: 'new', address: 'a' }]).execute();
    await sql`update login_attempts set at = now() - interval '901 seconds' where account = 'old'`.execute(db);

    const worker = new AuthHousekeeping({ db, logger: createLogger('t', 'silent'), windowSeconds: 900 });
    await worker.runOnce();

    const families = (await db.selectFrom('refresh_families').select('id').execute()).map((r) => r.id).sort();
    expect(families).toEqual([live, revokedJustNow].sort());
    const tokens = await db.selectFrom('refresh_tokens').select('family_id').execute();
    expect(new Set(tokens.map((t) => t.family_id))).toEqual(new Set([live, revokedJustNow]));
    expect((await db.selectFrom('login_attempts').select('account').execute()).map((r) => r.account)).toEqual(['new']);
  });
});
