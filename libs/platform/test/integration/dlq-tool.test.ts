import { buildEvent, ConsumerRunner, listDeadLetters, PermanentEventError, replayDeadLetters, type KafkaPort } from '@helmdesk/platform';
import { eventually, testKafka } from '@helmdesk/testkit';
import { appliedMigrations, PlatformFixture, userCreated, type AppliedTables } from '../support/fixture';

jest.setTimeout(120_000);

const fixture = new PlatformFixture<AppliedTables>('dlq', { migrations: appliedMigrations, partitions: 1 });
const { prefix } = fixture;
let runner: ConsumerRunner<AppliedTables>;
let kafka: KafkaPort;
let broken = true;
const producer = testKafka().producer();

const applied = async () => (await fixture.database.db.selectFrom('applied').select('name').execute()).map((r) => r.name);

const event = (name: string) => buildEvent('/helmdesk/test', userCreated(name, { role: 'agent' }));

beforeAll(async () => {
  await fixture.setUp();
  await producer.connect();
  kafka = fixture.kafka();
  runner = new ConsumerRunner<AppliedTables>({
    service: 'test',
    groupId: `${prefix}helmdesk.test`,
    database: fixture.database,
    kafka,
    logger: fixture.logger,
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
  await fixture.tearDown();
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
