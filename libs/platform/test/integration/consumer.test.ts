import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { buildEvent, ConsumerRunner, ConsumerWorker, createKafkajsPort, PermanentEventError } from '@helmdesk/platform';
import { eventually, stackEnv, testKafka, TopicCollector } from '@helmdesk/testkit';
import { appliedMigrations, PlatformFixture, userCreated, type AppliedTables } from '../support/fixture';

jest.setTimeout(120_000);

const fixture = new PlatformFixture<AppliedTables>('consumer', { migrations: appliedMigrations, partitions: 1 });
const { prefix } = fixture;
let runner: ConsumerRunner<AppliedTables>;
let dlq: TopicCollector;
const producer = testKafka().producer();
/** Behaviour of the handler per user name: how many times to fail first, or fail forever. */
const failures = new Map<string, number | 'always' | 'permanent'>();
const attempts = new Map<string, number>();
/** Names a `later-` event's handler left for its batch's before-commit task, per transaction. */
const later = new WeakMap<object, string[]>();
/** The names each before-commit task was given, in the order the tasks ran. */
const tasks: string[][] = [];

const userCreatedEvent = (name: string) => buildEvent('/helmdesk/test', userCreated(name));

async function send(value: string, key = 'k') {
  await producer.send({
    topic: `${prefix}user.created`,
    messages: [{ key, value, headers: { 'content-type': 'application/cloudevents+json' } }],
  });
}

async function appliedNames(): Promise<string[]> {
  const rows = await fixture.database.db.selectFrom('applied').select('name').orderBy('name').execute();
  return rows.map((r) => r.name);
}

beforeAll(async () => {
  await fixture.setUp();
  await producer.connect();
  dlq = await new TopicCollector(prefix, ['user.created.dlq']).start();
  runner = new ConsumerRunner<AppliedTables>({
    service: 'test',
    groupId: `test-${randomUUID()}`,
    database: fixture.database,
    kafka: fixture.kafka(),
    logger: fixture.logger,
    maxAttempts: 3,
    handlers: {
      'user.created': async (event, trx, meta) => {
        const name = event.data.name;
        if (name.startsWith('later-')) {
          const buffered = later.get(trx);
          if (buffered) return void buffered.push(name);
          later.set(trx, [name]);
          meta.beforeCommit(async () => {
            const names = later.get(trx)!;
            tasks.push([...names]);
            if (names.includes('later-bad') && names.length > 1) throw new Error('fails for the batch, not for one event');
            await trx
              .insertInto('applied')
              .values(names.map((n) => ({ event_id: randomUUID(), name: n })))
              .execute();
          });
          return;
        }
        const n = (attempts.get(name) ?? 0) + 1;
        attempts.set(name, n);
        const rule = failures.get(name);
        if (rule === 'permanent') throw new PermanentEventError('this event can never apply');
        if (rule === 'always' || (typeof rule === 'number' && n <= rule)) throw new Error(`transient failure ${n}`);
        await trx.insertInto('applied').values({ event_id: event.id, name }).execute();
      },
    },
  });
  await runner.start();
});

afterAll(async () => {
  await runner.stop();
  await dlq.stop();
  await producer.disconnect();
  await fixture.tearDown();
});

describe('the consumer runner', () => {
  it('applies the same event delivered twice only once', async () => {
    const event = userCreatedEvent('twice');
    await send(JSON.stringify(event));
    await send(JSON.stringify(event));
    await send(JSON.stringify(userCreatedEvent('twice-marker')));
    await eventually(async () => (await appliedNames()).includes('twice-marker'), { what: 'marker applied' });
    expect((await appliedNames()).filter((n) => n === 'twice')).toHaveLength(1);
    expect(attempts.get('twice')).toBe(1);
    expect(runner.counts.duplicate).toBeGreaterThanOrEqual(1);
  });

  it('retries a transient error and then applies the event', async () => {
    failures.set('flaky', 2);
    await send(JSON.stringify(userCreatedEvent('flaky')));
    await eventually(async () => (await appliedNames()).includes('flaky'), { what: 'flaky applied' });
    expect(attempts.get('flaky')).toBe(3);
  });

  it('sends a poison message to the DLQ with the error, and still processes the next one', async () => {
    await send('{"this is": not json', 'poison-key');
    await send(JSON.stringify({ ...userCreatedEvent('bad-data'), data: { userId: 'nope' } }));
    await send(JSON.stringify(userCreatedEvent('after-poison')));
    await eventually(async () => (await appliedNames()).includes('after-poison'), { what: 'event after the poison' });
    await eventually(() => dlq.messages.length >= 2, { what: 'two dead letters' });
    const [notJson, badData] = dlq.messages;
    expect(notJson!.key).toBe('poison-key');
    expect(notJson!.value).toBe('{"this is": not json');
    expect(notJson!.headers['x-dlq-error']).toBe('message value is not JSON');
    expect(notJson!.headers['x-dlq-original-topic']).toBe('user.created');
    expect(badData!.headers['x-dlq-error']).toMatch(/invalid data for user.created/);
  });

  it('dead-letters an event that keeps failing after its attempts, and one that can never apply at once', async () => {
    failures.set('hopeless', 'always');
    failures.set('permanent', 'permanent');
    await send(JSON.stringify(userCreatedEvent('hopeless')));
    await send(JSON.stringify(userCreatedEvent('permanent')));
    await send(JSON.stringify(userCreatedEvent('after-hopeless')));
    await eventually(async () => (await appliedNames()).includes('after-hopeless'), { what: 'event after the failing ones' });
    expect(attempts.get('hopeless')).toBe(3);
    expect(attempts.get('permanent')).toBe(1);
    const letters = dlq.messages.filter((m) => /hopeless|permanent/.test(m.value ?? ''));
    expect(letters.map((m) => m.headers['x-dlq-attempts'])).toEqual(['3', '1']);
    expect(letters[0]!.headers['x-dlq-error']).toBe('Error: transient failure 3');
    expect(await appliedNames()).not.toContain('hopeless');
  });

  it('applies a burst in one transaction and isolates the event that fails in it', async () => {
    const names = ['burst-0', 'burst-1', 'burst-2', 'burst-bad', 'burst-4', 'burst-5'];
    failures.set('burst-bad', 'permanent');
    // One produce request: the six records reach the consumer in one fetch, so in one batch.
    await producer.send({
      topic: `${prefix}user.created`,
      messages: names.map((name) => ({ key: 'burst', value: JSON.stringify(userCreatedEvent(name)) })),
    });
    await eventually(async () => (await appliedNames()).includes('burst-5'), { what: 'the burst applied' });
    await eventually(() => dlq.messages.some((m) => (m.value ?? '').includes('burst-bad')), { what: 'the failing one dead-lettered' });
    const applied = (await appliedNames()).filter((n) => n.startsWith('burst-'));
    expect(applied).toEqual(['burst-0', 'burst-1', 'burst-2', 'burst-4', 'burst-5']);
    // The ones before the failure ran in the batch's transaction, which rolled back, then again
    // without it; the failing one had one attempt (permanent); the ones after it ran once.
    expect(names.map((n) => attempts.get(n))).toEqual([2, 2, 2, 1, 1, 1]);
  });

  it('runs the before-commit task a handler adds once for the batch, in its transaction', async () => {
    const names = ['later-0', 'later-1', 'later-2'];
    tasks.length = 0;
    await producer.send({ topic: `${prefix}user.created`, messages: names.map((name) => ({ key: 'later', value: JSON.stringify(userCreatedEvent(name)) })) });
    await eventually(async () => (await appliedNames()).includes('later-2'), { what: 'the burst applied' });
    expect(tasks).toEqual([names]);
    expect((await appliedNames()).filter((n) => n.startsWith('later-'))).toEqual(names);
  });

  it('when a before-commit task fails, then nothing of the batch stays, and each event is applied alone', async () => {
    const names = ['later-3', 'later-bad', 'later-4'];
    tasks.length = 0;
    await producer.send({ topic: `${prefix}user.created`, messages: names.map((name) => ({ key: 'later', value: JSON.stringify(userCreatedEvent(name)) })) });
    await eventually(async () => (await appliedNames()).includes('later-4'), { what: 'the events applied one by one' });
    expect(tasks).toEqual([names, ['later-3'], ['later-bad'], ['later-4']]);
    expect((await appliedNames()).filter((n) => ['later-3', 'later-4', 'later-bad'].includes(n))).toEqual(['later-3', 'later-4', 'later-bad']);
  });
});

describe('the consumer worker', () => {
  /** A logger whose JSON lines the test reads back. */
  function capturingLogger() {
    const lines: { level: number; msg: string; [key: string]: unknown }[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    return { log, lines };
  }

  function worker(log: ReturnType<typeof capturingLogger>['log'], groupId: string, brokers = stackEnv.kafkaBrokers) {
    const kafka = createKafkajsPort({ brokers, clientId: 'consumer-worker-test', topicPrefix: prefix, logger: log });
    const w = new ConsumerWorker<AppliedTables>({
      service: 'test',
      groupId,
      database: fixture.database,
      kafka,
      logger: log,
      handlers: { 'user.created': async () => undefined },
    });
    return { w, kafka };
  }

  it('when stopped after joining its group, then it logs one info line naming the group and its topics', async () => {
    const { log, lines } = capturingLogger();
    const groupId = `test-worker-${randomUUID()}`;
    const { w, kafka } = worker(log, groupId);
    w.start();
    await eventually(() => lines.some((l) => l.msg === 'consuming'), { what: 'the worker in its group' });
    await w.stop();
    await kafka.close();
    const left = lines.filter((l) => l.msg === 'left the consumer group');
    expect(left).toEqual([expect.objectContaining({ level: 30, groupId, topics: ['user.created'] })]);
  });

  it('when stopped before it could join (no broker), then it does not claim to have left a group', async () => {
    const { log, lines } = capturingLogger();
    const { w, kafka } = worker(log, `test-worker-${randomUUID()}`, ['127.0.0.1:1']);
    w.start();
    await eventually(() => lines.some((l) => l.msg === 'cannot join the consumer group yet; retrying'), {
      what: 'a failed join',
      timeoutMs: 60_000,
    });
    await w.stop();
    await kafka.close();
    expect(lines.filter((l) => l.msg === 'left the consumer group')).toEqual([]);
  });
});
