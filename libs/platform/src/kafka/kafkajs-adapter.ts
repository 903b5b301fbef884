import {
  Kafka,
  Partitioners,
  logLevel as KafkaLogLevel,
  type Consumer as KafkaConsumer,
  type Producer as KafkaProducer,
  type IHeaders,
  type KafkaMessage,
  type LogEntry,
} from 'kafkajs';
import type { Logger } from '../logger';
import { backoffMs, sleep } from '../sleep';
import type { Consumer, ConsumeOptions, IncomingMessage, KafkaPort, OutgoingMessage, Producer, TopicReading, TopicSpec } from './port';

export interface KafkajsOptions {
  brokers: string[];
  clientId: string;
  topicPrefix?: string;
  logger: Logger;
  /** Upper bound on one produce call, so a stuck client is replaced rather than waited on. */
  sendTimeoutMs?: number;
  /** How long a fetch waits for data on a quiet topic (kafkajs' default 5 s adds latency). */
  maxWaitTimeMs?: number;
}

function headerValues(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const v = Array.isArray(value) ? value[0] : value;
    if (v !== undefined) out[name] = v.toString();
  }
  return out;
}

/** A fetched record as the port hands it on (`topic` already the logical name). */
function incoming(topic: string, partition: number, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key?.toString() ?? null,
    value: message.value?.toString() ?? null,
    headers: headerValues(message.headers),
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Commits a consumer's offsets at most every `intervalMs` rather than after every batch: one
 * OffsetCommit request for all the partitions handled meanwhile. `handled` records the offset
 * to resume from and commits at once when the interval has passed (or `now`), otherwise on a
 * timer. A failed commit is logged and left to the next one: at worst the messages since the
 * last commit come again, which the idempotent handler makes harmless.
 */
function intervalCommitter(consumer: KafkaConsumer, intervalMs: number, log: Logger) {
  const pending = new Map<string, { topic: string; partition: number; offset: string }>();
  let lastCommit = 0;
  let timer: NodeJS.Timeout | null = null;
  let chain: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending.size === 0) return chain;
    const offsets = [...pending.values()];
    pending.clear();
    lastCommit = Date.now();
    chain = chain
      .then(() => consumer.commitOffsets(offsets))
      .catch((err: unknown) => log.warn({ err: (err as Error).message, offsets }, 'offset commit failed; the next commit covers it'));
    return chain;
  }

  return {
    handled(topic: string, partition: number, offset: string, now: boolean): Promise<void> {
      pending.set(`${topic}\u0000${partition}`, { topic, partition, offset });
      const wait = lastCommit + intervalMs - Date.now();
      if (now || wait <= 0) return flush();
      timer ??= setTimeout(() => void flush(), wait);
      return Promise.resolve();
    },
    flush,
  };
}

/** kafkajs 2.2.4 behind the KafkaPort (see docs/decisions/0002-kafka-client.md). */
export function createKafkajsPort(options: KafkajsOptions): KafkaPort {
  const prefix = options.topicPrefix ?? '';
  const log = options.logger.child({ component: 'kafka' });
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: 3_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 5 },
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        if (level <= KafkaLogLevel.ERROR) log.error(rest, message);
        else log.warn(rest, message);
      },
  });
  const physical = (topic: string) => prefix + topic;
  const logical = (topic: string) => (topic.startsWith(prefix) ? topic.slice(prefix.length) : topic);
  const sendTimeoutMs = options.sendTimeoutMs ?? 30_000;
  const open = new Set<{ close(): Promise<void> }>();

  async function newProducer(): Promise<KafkaProducer> {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      // Murmur2 partitioning as the Java client does, so keys land where other clients put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      // Retries stay unlimited (kafkajs' default for idempotence); `sendTimeoutMs` bounds each send.
    });
    try {
      await withTimeout(producer.connect(), sendTimeoutMs, 'producer connect');
    } catch (err) {
      // A connect that timed out would keep retrying in the background: stop it.
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    return producer;
  }

  return {
    topicName: physical,

    async createProducer(): Promise<Producer> {
      let current: KafkaProducer | null = await newProducer();
      const handle: Producer = {
        async send(messages: OutgoingMessage[]) {
          if (messages.length === 0) return;
          try {
            current ??= await newProducer();
            const byTopic = new Map<string, OutgoingMessage[]>();
            for (const m of messages) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), m]);
            await withTimeout(
              current.sendBatch({
                acks: -1,
                topicMessages: [...byTopic].map(([topic, list]) => ({
                  topic: physical(topic),
                  messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
                })),
              }),
              sendTimeoutMs,
              'produce',
            );
          } catch (err) {
            // kafkajs can stay stuck after a broker outage: drop this client, the next send
            // starts a fresh one.
            const stale = current;
            current = null;
            await stale?.disconnect().catch(() => undefined);
            throw err;
          }
        },
        async close() {
          open.delete(handle);
          await current?.disconnect().catch(() => undefined);
          current = null;
        },
      };
      open.add(handle);
      return handle;
    },

    async consume(opts: ConsumeOptions): Promise<Consumer> {
      const maxBatchSize = opts.maxBatchSize ?? 100;
      const stallMs = opts.stallMs ?? 90_000;
      const commitIntervalMs = opts.commitIntervalMs ?? 250;
      const groupLog = log.child({ groupId: opts.groupId });
      let lastSign = Date.now();
      let closing = false;
      /** Commits what the current consumer has handled and not committed yet. */
      let flushCommits: () => Promise<void> = () => Promise.resolve();

      async function startConsumer(): Promise<KafkaConsumer> {
        const consumer: KafkaConsumer = kafka.consumer({
          groupId: opts.groupId,
          sessionTimeout: 30_000,
          rebalanceTimeout: 60_000,
          heartbeatInterval: 3_000,
          maxWaitTimeInMs: options.maxWaitTimeMs ?? 100,
          allowAutoTopicCreation: false,
          retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: Number.MAX_SAFE_INTEGER },
        });
        // Signs of life for the watchdog below: a fetch loop turning, a heartbeat, a join.
        const alive = () => {
          lastSign = Date.now();
        };
        for (const event of [consumer.events.FETCH_START, consumer.events.HEARTBEAT, consumer.events.GROUP_JOIN]) consumer.on(event, alive);
        const commits = intervalCommitter(consumer, commitIntervalMs, groupLog);
        flushCommits = commits.flush;
        try {
          await consumer.connect();
          await consumer.subscribe({ topics: opts.topics.map(physical), fromBeginning: opts.fromBeginning ?? true });
          await consumer.run({
            autoCommit: false,
            eachBatchAutoResolve: false,
            partitionsConsumedConcurrently: opts.partitionsConcurrently ?? 1,
            // One handler call per chunk of a fetched batch, not per message: the consumer runner
            // applies a chunk in one database transaction. Its offset is committed with the
            // others handled within the commit interval.
            eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
              const { topic, partition } = batch;
              for (let from = 0; from < batch.messages.length; from += maxBatchSize) {
                if (!isRunning() || isStale()) return;
                const chunk = batch.messages.slice(from, from + maxBatchSize);
                await opts.handle(
                  chunk.map((message) => incoming(logical(topic), partition, message)),
                  heartbeat,
                );
                const last = chunk[chunk.length - 1]!.offset;
                resolveOffset(last);
                // Closing: commit now, while the consumer still runs (kafkajs drops later commits).
                await commits.handled(topic, partition, (BigInt(last) + 1n).toString(), closing);
                await heartbeat();
              }
            },
          });
        } catch (err) {
          await withTimeout(consumer.disconnect(), 10_000, 'consumer disconnect').catch(() => undefined);
          throw err;
        }
        return consumer;
      }

      let current: KafkaConsumer | null = await startConsumer();
      let replacing: Promise<void> | null = null;

      /**
       * kafkajs can leave a consumer dead after a crash: it awaits its own disconnect before it
       * restarts, and that can wait forever (seen when the group coordinator was still loading
       * after a broker restart; tulios/kafkajs#1630). A consumer that shows no sign of life for
       * `stallMs` — longer than the session timeout, so the broker has dropped it anyway — is
       * disconnected (bounded) and replaced by a new one in the same group; a batch in flight is
       * delivered again, which the consumer runner makes harmless.
       */
      async function replace(): Promise<void> {
        groupLog.error({ silentForMs: Date.now() - lastSign }, 'consumer shows no sign of life; replacing it');
        const stale = current;
        current = null;
        await withTimeout(stale?.disconnect() ?? Promise.resolve(), 10_000, 'consumer disconnect').catch(() => undefined);
        for (let attempt = 1; !closing; attempt++) {
          try {
            lastSign = Date.now();
            current = await startConsumer();
            if (closing) await current.disconnect().catch(() => undefined);
            else groupLog.info('replacement consumer started');
            return;
          } catch (err) {
            groupLog.warn({ err: (err as Error).message, attempt }, 'replacement consumer cannot start yet; retrying');
            await sleep(backoffMs(attempt, 1_000, 10_000));
          }
        }
      }

      const watchdog = setInterval(() => {
        if (closing || replacing || Date.now() - lastSign < stallMs) return;
        replacing = replace().finally(() => {
          replacing = null;
        });
      }, Math.min(10_000, Math.max(100, Math.floor(stallMs / 4))));
      watchdog.unref();

      const handle: Consumer = {
        async close() {
          closing = true;
          clearInterval(watchdog);
          open.delete(handle);
          await replacing;
          await flushCommits();
          await current?.disconnect().catch(() => undefined);
        },
      };
      open.add(handle);
      return handle;
    },

    async readToEnd(topic: string, groupId: string, timeoutMs = 30_000): Promise<TopicReading> {
      const name = physical(topic);
      const admin = kafka.admin();
      await admin.connect();
      let remaining: Map<number, bigint>;
      try {
        const ends = await admin.fetchTopicOffsets(name);
        const [committed] = await admin.fetchOffsets({ groupId, topics: [name] });
        // A group with no committed offset reports -1: it starts at the partition's low mark.
        const committedAt = new Map(committed?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
        remaining = new Map();
        for (const e of ends) {
          const from = committedAt.get(e.partition) ?? -1n;
          const start = from >= 0n ? from : BigInt(e.low);
          if (BigInt(e.high) > start) remaining.set(e.partition, BigInt(e.high));
        }
      } finally {
        await admin.disconnect();
      }
      const messages: IncomingMessage[] = [];
      const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
      const positions = new Map<number, string>();
      if (remaining.size > 0) {
        await consumer.connect();
        await consumer.subscribe({ topics: [name], fromBeginning: true });
        await new Promise<void>((resolveRead, rejectRead) => {
          const timer = setTimeout(() => rejectRead(new Error(`reading ${name} timed out`)), timeoutMs);
          void consumer.run({
            autoCommit: false,
            eachMessage: async ({ partition, message }) => {
              const end = remaining.get(partition);
              if (end === undefined || BigInt(message.offset) >= end) return;
              messages.push(incoming(logical(name), partition, message));
              positions.set(partition, (BigInt(message.offset) + 1n).toString());
              if (BigInt(message.offset) + 1n >= end) remaining.delete(partition);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolveRead();
              }
            },
          });
        }).catch(async (err) => {
          await consumer.disconnect();
          throw err;
        });
      }
      return {
        messages,
        async commit() {
          if (positions.size > 0) {
            await consumer.commitOffsets([...positions].map(([partition, offset]) => ({ topic: name, partition, offset })));
          }
        },
        async close() {
          await consumer.disconnect().catch(() => undefined);
        },
      };
    },

    async createTopics(specs: TopicSpec[]): Promise<string[]> {
      const admin = kafka.admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const missing = specs.filter((s) => !existing.has(physical(s.topic)));
        if (missing.length > 0) {
          const request = {
            waitForLeaders: true,
            topics: missing.map((s) => ({
              topic: physical(s.topic),
              numPartitions: s.partitions,
              replicationFactor: s.replicationFactor,
            })),
          };
          // Right after creation the broker's metadata may not know the topic yet
          // (UNKNOWN_TOPIC_OR_PARTITION while kafkajs waits for leaders): ask again.
          for (let attempt = 1; ; attempt++) {
            try {
              await admin.createTopics(request);
              break;
            } catch (err) {
              if (attempt >= 10 || (err as { type?: string }).type !== 'UNKNOWN_TOPIC_OR_PARTITION') throw err;
              await sleep(300);
            }
          }
        }
        return missing.map((s) => s.topic);
      } finally {
        await admin.disconnect();
      }
    },

    async close() {
      await Promise.all([...open].map((c) => c.close()));
    },
  };
}
