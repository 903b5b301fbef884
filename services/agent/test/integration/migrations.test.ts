import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { createDatabase, createLogger, migrateDown, migrateToLatest, type Database } from '@helmdesk/platform';
import { createTestDatabase, type TestDatabase } from '@helmdesk/testkit';
import { agentMigrations } from '../../src/migrations';
import type { AgentDatabase } from '../../src/store/schema';

jest.setTimeout(60_000);

let testDb: TestDatabase;
let database: Database<AgentDatabase>;

beforeAll(async () => {
  testDb = await createTestDatabase('agent_migrations');
  database = createDatabase<AgentDatabase>({ url: testDb.url, schema: 'agents', poolMax: 2, logger: createLogger('agent-migrations', 'silent') });
  await migrateToLatest(database as Database<unknown>, agentMigrations);
});

afterAll(async () => {
  await database.close();
  await testDb.drop();
});

async function anAgent(capacity = 1) {
  const id = randomUUID();
  await database.db.insertInto('agent').values({ id, name: 'a', email: 'a@example.com', account_enabled: true, capacity }).execute();
  return id;
}

async function aCase() {
  const caseId = randomUUID();
  await database.db
    .insertInto('tracked_case')
    .values({ case_id: caseId, customer_id: randomUUID(), subject: 's', priority: 'normal', priority_rank: 2, queued_at: new Date() })
    .execute();
  return caseId;
}

const assign = (caseId: string, agentId: string) =>
  database.db.insertInto('assignment').values({ case_id: caseId, agent_id: agentId, how: 'auto', assigned_at: new Date() }).execute();

describe('the agents schema', () => {
  it('refuses a second active assignment of one case', async () => {
    const caseId = await aCase();
    await assign(caseId, await anAgent());
    await expect(assign(caseId, await anAgent())).rejects.toMatchObject({ code: '23505' });
  });

  it('refuses a second resolution of one case', async () => {
    const caseId = await aCase();
    const agentId = await anAgent();
    await assign(caseId, agentId);
    await database.db.updateTable('assignment').set({ state: 'resolved' }).where('case_id', '=', caseId).execute();
    await assign(caseId, agentId);
    await expect(
      database.db.updateTable('assignment').set({ state: 'resolved' }).where('case_id', '=', caseId).where('state', '=', 'active').execute(),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('refuses to raise an agent’s load past its capacity, but allows lowering the capacity below the load', async () => {
    const agentId = await anAgent(1);
    const bump = () => database.db.updateTable('agent').set({ active_cases: sql`active_cases + 1` }).where('id', '=', agentId).execute();
    await bump();
    await expect(bump()).rejects.toMatchObject({ code: '23514' });
    await database.db.updateTable('agent').set({ capacity: 2 }).where('id', '=', agentId).execute();
    await bump();
    await database.db.updateTable('agent').set({ capacity: 1 }).where('id', '=', agentId).execute();
    await expect(database.db.updateTable('agent').set({ active_cases: 0 }).where('id', '=', agentId).execute()).resolves.toBeDefined();
    await expect(database.db.updateTable('agent').set({ active_cases: -1 }).where('id', '=', agentId).execute()).rejects.toMatchObject({ code: '23514' });
  });

  it('refuses a capacity outside 1–50 and an unknown status', async () => {
    const agentId = await anAgent();
    await expect(database.db.updateTable('agent').set({ capacity: 51 }).where('id', '=', agentId).execute()).rejects.toMatchObject({ code: '23514' });
    await expect(
      database.db.updateTable('agent').set({ status: 'busy' as never }).where('id', '=', agentId).execute(),
    ).rejects.toMatchObject({ code: '23514' });
  });

  it('goes down with data in it and up again', async () => {
    expect(await migrateDown(database as Database<unknown>, agentMigrations)).toBe('20261124T1000-create-agents');
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = 'agents' order by table_name`.execute(database.db);
    expect(tables.rows.map((r) => r.table_name)).not.toEqual(expect.arrayContaining(['agent']));
    await migrateToLatest(database as Database<unknown>, agentMigrations);
    expect(await database.db.selectFrom('agent').select('id').execute()).toEqual([]);
  });
});
