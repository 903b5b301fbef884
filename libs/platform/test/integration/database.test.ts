import { pino } from 'pino';
import { sql } from 'kysely';
import { createDatabase, type Database } from '@helmdesk/platform';
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
