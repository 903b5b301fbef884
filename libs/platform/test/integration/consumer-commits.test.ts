import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createKafkajsPort, type Consumer, type IncomingMessage } from '@helmdesk/platform';
import { createPrefixedTopics, deletePrefixedTopics, eventually, stackEnv, testKafka, uniqueTopicPrefix } from '@helmdesk/testkit';

/**
 * The adapter commits offsets at most once per `commitIntervalMs` (one request for every partition
 * handled meanwhile), and whatever is handled but not committed yet when the consumer closes.
 */
jest.setTimeout(60_000);

const prefix = uniqueTopicPrefix('commits');
const topic = `${prefix}user.created`;
const logger = pino({ level: 'silent' });
const kafka = testKafka();
const producer = kafka.producer();
const admin = kafka.admin();
let consumer: Consumer | undefined;

beforeAll(async () => {
  await createPrefixedTopics(prefix, 1);
  await Promise.all([producer.connect(), admin.connect()]);
});

afterAll(async () => {
  await consumer?.close();
  await Promise.all([producer.disconnect(), admin.disconnect()]);
  await deletePrefixedTopics(prefix);
});

async function committed(groupId: string): Promise<string> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return offsets!.partitions[0]!.offset;
}

describe('offset commits', () => {
  it('commits the first batch at once, the next ones within the interval, and the rest on close', async () => {
    const port = createKafkajsPort({ brokers: stackEnv.kafkaBrokers, clientId: 'commits-test', topicPrefix: prefix, logger });
    const groupId = `commits-${randomUUID()}`;
    const seen: IncomingMessage[] = [];
    consumer = await port.consume({
      groupId,
      topics: ['user.created'],
      commitIntervalMs: 60_000,
      handle: async (messages) => void seen.push(...messages),
    });
    await producer.send({ topic, messages: [{ key: 'k', value: 'first' }] });
    await eventually(async () => (await committed(groupId)) === '1', { what: 'the first offset committed at once' });

    for (const value of ['second', 'third']) {
      await producer.send({ topic, messages: [{ key: 'k', value }] });
      await eventually(() => seen.some((m) => m.value === value), { what: `${value} handled` });
    }
    // Handled, but the interval (a minute here) has not passed: still the first commit.
    await new Promise((r) => setTimeout(r, 500));
    expect(await committed(groupId)).toBe('1');

    await consumer.close();
    consumer = undefined;
    expect(await committed(groupId)).toBe('3');
    expect(seen.map((m) => m.value)).toEqual(['first', 'second', 'third']);
  });

  it('commits on a timer when nothing else comes', async () => {
    const port = createKafkajsPort({ brokers: stackEnv.kafkaBrokers, clientId: 'commits-test', topicPrefix: prefix, logger });
    const groupId = `commits-${randomUUID()}`;
    let handled = 0;
    consumer = await port.consume({
      groupId,
      topics: ['user.created'],
      commitIntervalMs: 1_000,
      handle: async (messages) => void (handled += messages.length),
    });
    // The topic holds three messages from the test above; this group reads them from the start.
    await eventually(() => handled === 3, { what: 'the three messages handled' });
    await producer.send({ topic, messages: [{ key: 'k', value: 'fourth' }] });
    await eventually(() => handled === 4, { what: 'the fourth handled' });
    await eventually(async () => (await committed(groupId)) === '4', { what: 'the last offset committed by the timer', timeoutMs: 5_000 });
    await consumer.close();
    consumer = undefined;
  });
});
