import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { createKafkajsPort, type Consumer, type IncomingMessage } from '@helmdesk/platform';
import { createPrefixedTopics, deletePrefixedTopics, eventually, stackEnv, testKafka, uniqueTopicPrefix } from '@helmdesk/testkit';

/**
 * kafkajs can leave a consumer dead after a crash (its restart waits on its own disconnect). The
 * adapter's watchdog replaces a consumer that shows no sign of life for `stallMs`. Here the first
 * batch's handler hangs without heartbeating — the fetch loop stops turning, as in that crash — and
 * the consumer must be replaced and the uncommitted message delivered again.
 */
jest.setTimeout(90_000);

const prefix = uniqueTopicPrefix('watchdog');
const lines: { msg: string }[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
const producer = testKafka().producer();
let consumer: Consumer | undefined;
let release: () => void = () => undefined;

beforeAll(async () => {
  await createPrefixedTopics(prefix, 1);
  await producer.connect();
});

afterAll(async () => {
  release();
  await consumer?.close();
  await producer.disconnect();
  await deletePrefixedTopics(prefix);
});

describe('the consumer watchdog', () => {
  it('replaces a consumer that stalls, and the message it held is delivered again', async () => {
    const port = createKafkajsPort({ brokers: stackEnv.kafkaBrokers, clientId: 'watchdog-test', topicPrefix: prefix, logger });
    const seen: IncomingMessage[] = [];
    consumer = await port.consume({
      groupId: `watchdog-${randomUUID()}`,
      topics: ['user.created'],
      stallMs: 3_000,
      handle: async (messages) => {
        seen.push(...messages);
        // The first delivery hangs (no heartbeat, no return) until the test ends.
        if (seen.length === messages.length) await new Promise<void>((resolve) => (release = resolve));
      },
    });
    await producer.send({ topic: `${prefix}user.created`, messages: [{ key: 'k', value: 'stalled' }] });
    await eventually(() => lines.some((l) => l.msg === 'consumer shows no sign of life; replacing it'), {
      what: 'the stall noticed',
      timeoutMs: 30_000,
    });
    // The stalled member holds the partition until the broker drops it (session timeout, 30 s).
    await eventually(() => seen.length >= 2, { what: 'the message delivered again', timeoutMs: 75_000, intervalMs: 500 });
    release();
    expect(seen.map((m) => m.value)).toEqual(['stalled', 'stalled']);
    expect(seen[1]!.offset).toBe(seen[0]!.offset);
    expect(lines.some((l) => l.msg === 'replacement consumer started')).toBe(true);
  });
});
