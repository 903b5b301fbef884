import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  createDatabase,
  createKafkajsPort,
  createLogger,
  migrateToLatest,
  Outbox,
  OutboxRelay,
  type Database,
  type PlatformTables,
} from '@helmdesk/platform';
import {
  createPrefixedTopics,
  createTestDatabase,
  deletePrefixedTopics,
  eventually,
  stackCommand,
  stackEnv,
  TopicCollector,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@helmdesk/testkit';

jest.setTimeout(180_000);

const logger = createLogger('outbox-outage-test', 'silent');
const prefix = uniqueTopicPrefix('outage');
const outbox = new Outbox('/helmdesk/test', 'svc');
let testDb: TestDatabase;
let database: Database<PlatformTables>;
let collector: TopicCollector;
let relay: OutboxRelay;

function userCreated(name: string) {
  const userId = randomUUID();
  return {
    type: 'user.created' as const,
    subject: userId,
    data: { userId, email: `${name}@example.com`, name, role: 'customer' as const, disabled: false, createdAt: new Date().toISOString() },
  };
}

const write = (name: string) =>
  database.db.transaction().execute((trx) => outbox.write(trx as Kysely<PlatformTables>, userCreated(name)));
const names = () => collector.on('user.created').map((m) => (m.json as { data: { name: string } }).data.name);

beforeAll(async () => {
  testDb = await createTestDatabase('outage');
  database = createDatabase<PlatformTables>({ url: testDb.url, schema: 'svc', logger });
  await migrateToLatest(database as Database<unknown>, {});
  await createPrefixedTopics(prefix);
  collector = await new TopicCollector(prefix, ['user.created']).start();
  relay = new OutboxRelay({
    database: database as Database<unknown>,
    kafka: createKafkajsPort({ brokers: stackEnv.kafkaBrokers, clientId: 'outage-test', topicPrefix: prefix, logger }),
    logger,
    pollMs: 200,
  });
  relay.start();
});

afterAll(async () => {
  stackCommand('up', 'kafka');
  await relay.stop();
  await collector.stop();
  await database.close();
  await testDb.drop();
  await deletePrefixedTopics(prefix);
});

describe('the outbox during a broker outage', () => {
  it('keeps every event written while the broker is down and publishes each once when it is back', async () => {
    await write('before-outage');
    await eventually(() => names().includes('before-outage'), { what: 'the event before the outage' });

    stackCommand('down', 'kafka');
    for (let i = 0; i < 10; i++) await write(`during-outage-${i}`);
    await new Promise((r) => setTimeout(r, 3_000));
    const pending = await database.db.selectFrom('outbox').select('id').where('published_at', 'is', null).execute();
    expect(pending).toHaveLength(10);

    stackCommand('up', 'kafka');
    await eventually(() => names().filter((n) => n.startsWith('during-outage-')).length >= 10, {
      what: 'the events written during the outage',
      timeoutMs: 120_000,
      intervalMs: 250,
    });
    await new Promise((r) => setTimeout(r, 1_000));
    // Each event has its own key (partition), so only per-key order is defined: compare as sets.
    const during = names().filter((n) => n.startsWith('during-outage-'));
    expect([...during].sort()).toEqual(Array.from({ length: 10 }, (_, i) => `during-outage-${i}`));
  });
});
