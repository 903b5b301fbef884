import { pino } from 'pino';
import { sql, type Kysely } from 'kysely';
import { createDatabase, executeWith, type Database } from '@helmdesk/platform';
import { createTestDatabase, eventually, type TestDatabase } from '@helmdesk/testkit';

/**
 * Postgres ends connections by itself (restart, failover, pg_terminate_backend, idle timeouts).
 * pg emits 'error' on the client then; a client with no listener would take the process down.
 */
jest.setTimeout(60_000);

const lines: { msg: string }[] = [];
const logger = pino({ level: 'warn' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
let testDb: TestDatabase;
let database: Database<unknown>;

beforeAll(async () => {
  testDb = await createTestDatabase('database');
  database = createDatabase<unknown>({ url: testDb.url, schema: 'svc', logger, applicationName: 'helmdesk-db-test' });
});

afterAll(async () => {
  await database.close();
  await testDb.drop();
});

async function terminate(pid: number): Promise<void> {
  await sql`select pg_terminate_backend(${pid})`.execute(database.db);
}

describe('a database connection ended by the server', () => {
  it('when it is a dedicated connection, idle, then the loss is logged and its next query fails; the process lives', async () => {
    const client = await database.connect();
    const { rows } = await client.query<{ pid: number }>('select pg_backend_pid() as pid');
    const before = lines.length;
    await terminate(rows[0]!.pid);
    await eventually(() => lines.slice(before).some((l) => l.msg === 'database connection lost'), { what: 'the loss logged' });
    await expect(client.query('select 1')).rejects.toThrow();
    await client.end().catch(() => undefined);
  });

  it('when it is a pooled client held between two statements of a transaction, then the transaction fails and the pool serves again', async () => {
    const before = lines.length;
    const lost = () => lines.slice(before).some((l) => l.msg === 'database connection lost');
    await expect(
      database.db.transaction().execute(async (trx) => {
        const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx);
        await terminate(rows[0]!.pid); // on another pooled connection
        await eventually(lost, { what: 'the loss logged' }).catch(() => undefined);
        await sql`select 1`.execute(trx);
      }),
    ).rejects.toThrow(/terminat|Connection|not queryable/i);
    expect(lost()).toBe(true);
    const { rows } = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(rows[0]!.one).toBe(1);
  });

  it('when it is an idle pooled client, then the loss is logged once and the pool serves again', async () => {
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(database.db);
    const pid = rows[0]!.pid; // now idle in the pool
    const before = lines.length;
    const other = await database.connect(); // terminate it from a connection outside the pool
    await other.query('select pg_terminate_backend($1)', [pid]);
    await other.end();
    await eventually(() => lines.slice(before).some((l) => l.msg === 'database connection lost'), { what: 'the loss logged' });
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.slice(before).filter((l) => /connection lost/.test(l.msg))).toHaveLength(1);
    const again = await sql<{ one: number }>`select 1 as one`.execute(database.db);
    expect(again.rows[0]!.one).toBe(1);
  });
});

describe('prepared statements', () => {
  it('prepares a parameterized statement once per connection, under a name from its text, and not a long or parameterless one', async () => {
    const prepared = await database.db.transaction().execute(async (trx) => {
      // A transaction holds one connection: all of this runs on it.
      for (let i = 0; i < 3; i++) await sql`select ${i}::int as i`.execute(trx);
      await sql`select 1 as one`.execute(trx);
      await sql`select ${sql.join(Array.from({ length: 40 }, (_, i) => i))} as many`.execute(trx);
      const { rows } = await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(trx);
      return rows;
    });
    // (The connection may hold statements of the tests above too.)
    const ours = prepared.filter((p) => /as (i|one|many)$/.test(p.statement));
    expect(ours).toEqual([{ name: expect.stringMatching(/^hd_[A-Za-z0-9_-]{20}$/), statement: 'select $1::int as i' }]);
  });

  it('when a migration changes a table under a prepared statement, then one call fails and the next is prepared afresh', async () => {
    await sql`create schema if not exists svc`.execute(database.db);
    await sql`create table svc.widget (id int primary key, name text)`.execute(database.db);
    await sql`insert into svc.widget values (1, 'one')`.execute(database.db);
    // A pool of one connection: every call below runs on the connection that prepared it.
    const single = createDatabase<unknown>({ url: testDb.url, schema: 'svc', logger, poolMax: 1 });
    try {
      const read = () => sql<Record<string, unknown>>`select * from svc.widget where id = ${1}`.execute(single.db);
      expect((await read()).rows).toEqual([{ id: 1, name: 'one' }]);
      // The DDL runs on another connection, as a new release's migration would.
      await sql`alter table svc.widget add column colour text`.execute(database.db);
      await expect(read()).rejects.toThrow(/cached plan must not change result type/);
      for (let i = 0; i < 3; i++) expect((await read()).rows).toEqual([{ id: 1, name: 'one', colour: null }]);
    } finally {
      await single.close();
    }
  });
});

describe('executeWith', () => {
  it('runs the writes alongside in the same statement: a row may refer to the main one, and a failure undoes all', async () => {
    await sql`create schema if not exists svc`.execute(database.db);
    await sql`create table svc.parent (id int primary key)`.execute(database.db);
    await sql`create table svc.child (id int primary key, parent int not null references svc.parent(id))`.execute(database.db);
    const db = database.db as unknown as Kysely<{ parent: { id: number }; child: { id: number; parent: number } }>;
    const rows = await executeWith(db, db.insertInto('parent').values({ id: 1 }).returning('id'), [
      db.insertInto('child').values({ id: 10, parent: 1 }),
    ]);
    expect(rows).toEqual([{ id: 1 }]);
    // The child refers to a parent nobody inserts: the whole statement fails, the parent with it.
    await expect(
      executeWith(db, db.insertInto('parent').values({ id: 2 }).returning('id'), [db.insertInto('child').values({ id: 20, parent: 99 })]),
    ).rejects.toThrow(/foreign key/);
    expect(await db.selectFrom('parent').select('id').orderBy('id').execute()).toEqual([{ id: 1 }]);
    expect(await executeWith(db, db.insertInto('parent').values({ id: 3 }).returning('id'), [])).toEqual([{ id: 3 }]);
  });
});
