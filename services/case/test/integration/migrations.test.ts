import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { createDatabase, migrateDown, migrateToLatest, migrationsApplied, type Database } from '@helmdesk/platform';
import { createTestDatabase, type TestDatabase } from '@helmdesk/testkit';
import { createdEntry, commentedEntry } from '../../src/domain/history';
import { caseMigrations } from '../../src/migrations';
import { listCases, openCase } from '../../src/store/cases';
import { insertComment, listComments } from '../../src/store/comments';
import { appendHistory, caseHistory } from '../../src/store/history';
import type { CaseDatabase } from '../../src/store/tables';

jest.setTimeout(60_000);

let testDb: TestDatabase;
let database: Database<CaseDatabase>;
const asUnknown = () => database as Database<unknown>;

beforeAll(async () => {
  testDb = await createTestDatabase('case_migrations');
  database = createDatabase<CaseDatabase>({ url: testDb.url, schema: 'cases' });
});

afterAll(async () => {
  await database.close();
  await testDb.drop();
});

async function tables(): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`
    select table_name from information_schema.tables where table_schema = 'cases' order by table_name
  `.execute(database.db as Kysely<unknown>);
  return rows.map((r) => r.table_name);
}

/** A case with a comment and its history, written through the store. */
async function writeCase(db: Kysely<CaseDatabase>): Promise<string> {
  return db.transaction().execute(async (trx) => {
    const c = await openCase(
      trx,
      { id: randomUUID(), subject: 'Kept?', description: 'Data across migrations', priority: 'urgent', customerId: randomUUID(), createdAt: new Date() },
      [],
    );
    await appendHistory(trx, c.id, createdEntry(c, randomUUID()));
    const comment = await insertComment(trx, {
      id: randomUUID(),
      caseId: c.id,
      authorId: c.customerId,
      authorRole: 'customer',
      body: 'hello',
    });
    await appendHistory(trx, c.id, commentedEntry(comment));
    return c.id;
  });
}

describe('the case schema migrations', () => {
  it('go up, hold data, go down with data in place, and come up again empty and usable', async () => {
    const applied = await migrateToLatest(asUnknown(), caseMigrations);
    expect(applied).toEqual(expect.arrayContaining(Object.keys(caseMigrations)));
    expect(await migrationsApplied(asUnknown(), caseMigrations)).toBe(true);
    expect(await tables()).toEqual(expect.arrayContaining(['cases', 'comments', 'history']));

    const first = await writeCase(database.db);
    expect((await listCases(database.db, { limit: 10 })).map((c) => c.id)).toEqual([first]);
    expect(await caseHistory(database.db, first)).toHaveLength(2);

    // Down, newest first, while the tables hold rows: only the case service's tables go.
    for (const name of Object.keys(caseMigrations).reverse()) {
      expect(await migrateDown(asUnknown(), caseMigrations)).toBe(name);
    }
    expect(await migrationsApplied(asUnknown(), caseMigrations)).toBe(false);
    const afterDown = await tables();
    expect(afterDown).not.toContain('cases');
    expect(afterDown).not.toContain('comments');
    expect(afterDown).not.toContain('history');
    expect(afterDown).toEqual(expect.arrayContaining(['outbox', 'processed_event', 'idempotency_key']));

    // Up again: the schema is back and takes data again.
    await migrateToLatest(asUnknown(), caseMigrations);
    expect(await migrationsApplied(asUnknown(), caseMigrations)).toBe(true);
    expect(await listCases(database.db, { limit: 10 })).toEqual([]);
    const second = await writeCase(database.db);
    expect((await listCases(database.db, { limit: 10 })).map((c) => c.id)).toEqual([second]);
    expect(await listComments(database.db, { caseId: second, limit: 10 })).toHaveLength(1);
    expect((await caseHistory(database.db, second)).map((h) => h.type)).toEqual(['case.created', 'case.commented']);
  });

  it('keep the database honest where the code is not the only writer: bad status, priority or orphan comment are refused', async () => {
    const db = database.db;
    const base = { id: randomUUID(), subject: 's', description: 'd', customer_id: randomUUID() };
    await expect(db.insertInto('cases').values({ ...base, priority: 'critical' as never }).execute()).rejects.toThrow(/check/);
    await expect(
      db.insertInto('cases').values({ ...base, priority: 'low', status: 'closed' as never }).execute(),
    ).rejects.toThrow(/check/);
    await expect(
      db
        .insertInto('comments')
        .values({ id: randomUUID(), case_id: randomUUID(), author_id: randomUUID(), author_role: 'customer', body: 'x' })
        .execute(),
    ).rejects.toThrow(/foreign key/);
  });
});
