import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import {
  buildEvent,
  ConsumerRunner,
  createDatabase,
  createKafkajsPort,
  createLogger,
  listDeadLetters,
  migrateToLatest,
  PermanentEventError,
  replayDeadLetters,
  type Database,
  type KafkaPort,
  type PlatformTables,
} from '@helmdesk/platform';
import {
  createPrefixedTopics,
  createTestDatabase,
  deletePrefixedTopics,
  eventually,
  stackEnv,
  testKafka,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@helmdesk/testkit';

jest.setTimeout(120_000);

interface Tables extends PlatformTables {
  applied: { event_id: string; name: string };
}

const logger = createLogger('dlq-test', 'silent');
const prefix = uniqueTopicPrefix('dlq');
let testDb: TestDatabase;
let database: Database<Tables>;
let runner: ConsumerRunner<Tables>;
let kafka: KafkaPort;
let broken = true;
const producer = testKafka().producer();

const applied = async () => (await database.db.selectFrom('applied').select('name').execute()).map((r) => r.name);

function event(name: string) {
  const userId = randomUUID();
  return buildEvent('/helmdesk/test', {
    type: 'user.created',
    subject: userId,
    data: { userId, email: `${name}@example.com`, name, role: 'agent', disabled: false, createdAt: new Date().toISOString() },
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase('dlq');
  database = createDatabase<Tables>({ url: testDb.url, schema: 'svc', logger });
  await migrateToLatest(database as Database<unknown>, {
    '20261123T1000-applied': {
      async up(db: Kysely<unknown>) {
        await sql`create table applied (event_id text primary key, name text not null)`.execute(db);
      },
    },
  });
  await createPrefixedTopics(prefix, 1);
  await producer.connect();
  kafka = createKafkajsPort({ brokers: stackEnv.kafkaBrokers, clientId: 'dlq-test', topicPrefix: prefix, logger });
  runner = new ConsumerRunner<Tables>({
    service: 'test',
    groupId: `${prefix}helmdesk.test`,
    database,
    kafka,
    logger,
    handlers: {
      'user.created': async (e, trx) => {
        if (broken && e.data.name.startsWith('needs-fix')) throw new PermanentEventError('the handler has a bug');
        await trx.insertInto('applied').values({ event_id: e.id, name: e.data.name }).execute();
      },
    },
  });
  await runner.start();
});

afterAll(async () => {
  await runner.stop();
  await kafka.close();
  await producer.disconnect();
  await database.close();
  await testDb.drop();
  await deletePrefixedTopics(prefix);
});

describe('the dead-letter tool', () => {
  it('lists what failed, and once the bug is fixed replays each dead letter exactly once', async () => {
    const poisoned = event('needs-fix-1');
    await producer.send({
      topic: `${prefix}user.created`,
      messages: [
        { key: poisoned.subject, value: JSON.stringify(poisoned), headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } },
        { key: 'x', value: JSON.stringify(event('healthy')) },
      ],
    });
    await eventually(async () => (await applied()).includes('healthy'), { what: 'the healthy event after the poisoned one' });

    const letters = await eventually(async () => {
      const l = await listDeadLetters(kafka, 'user.created');
      return l.length === 1 ? l : undefined;
    }, { what: 'one dead letter listed' });
    expect(letters[0]).toMatchObject({ key: poisoned.subject, eventId: poisoned.id, error: 'PermanentEventError: the handler has a bug' });
    // Listing does not consume: a second list shows it again.
    expect(await listDeadLetters(kafka, 'user.created')).toHaveLength(1);

    broken = false; // the bug is fixed
    const replayed = await replayDeadLetters(kafka, 'user.created');
    expect(replayed.map((l) => l.eventId)).toEqual([poisoned.id]);
    await eventually(async () => (await applied()).includes('needs-fix-1'), { what: 'the replayed event applied' });

    expect(await replayDeadLetters(kafka, 'user.created')).toEqual([]);
    expect(await listDeadLetters(kafka, 'user.created')).toEqual([]);
    expect(await listDeadLetters(kafka, 'user.created', { all: true })).toHaveLength(1);
    expect((await applied()).filter((n) => n === 'needs-fix-1')).toHaveLength(1);
  });
});
