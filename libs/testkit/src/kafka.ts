import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { allTopicNames } from '@helmdesk/contracts';
import { createKafkajsPort, createLogger } from '@helmdesk/platform';
import { stackEnv } from './stack';

/** A topic prefix no other test file uses: `KAFKA_TOPIC_PREFIX` for the code under test. */
export function uniqueTopicPrefix(label = 't'): string {
  return `${label}-${randomBytes(4).toString('hex')}.`;
}

export function testKafka(clientId = 'helmdesk-test'): Kafka {
  return new Kafka({ clientId, brokers: stackEnv.kafkaBrokers, logLevel: logLevel.NOTHING });
}

/** Creates the platform's topics (and DLQs) under `prefix`. */
export async function createPrefixedTopics(prefix: string, partitions = 3, extra: string[] = []): Promise<void> {
  // The platform's own topic creation: it waits for leaders and asks again while fresh topics are
  // briefly unknown to the broker's metadata.
  const kafka = createKafkajsPort({ brokers: stackEnv.kafkaBrokers, clientId: 'helmdesk-test', topicPrefix: prefix, logger: createLogger('testkit', 'silent') });
  try {
    await kafka.createTopics([...allTopicNames(), ...extra].map((topic) => ({ topic, partitions, replicationFactor: 1 })));
  } finally {
    await kafka.close();
  }
}

export async function deletePrefixedTopics(prefix: string): Promise<void> {
  const admin = testKafka().admin();
  await admin.connect();
  try {
    const existing = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (existing.length > 0) await admin.deleteTopics({ topics: existing });
  } catch {
    // best effort: a leftover topic of a finished test harms nobody
  } finally {
    await admin.disconnect();
  }
}

export interface CollectedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  json: unknown;
  headers: Record<string, string>;
}

/** Reads topics from the beginning into memory, for assertions on what was published. */
export class TopicCollector {
  readonly messages: CollectedMessage[] = [];
  private consumer: Consumer | null = null;

  constructor(
    private readonly prefix: string,
    private readonly topics: string[],
  ) {}

  async start(): Promise<this> {
    this.consumer = testKafka().consumer({
      groupId: `collector-${randomBytes(6).toString('hex')}`,
      maxWaitTimeInMs: 50,
    });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics.map((t) => this.prefix + t), fromBeginning: true });
    await this.consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        const value = message.value?.toString() ?? null;
        let json: unknown;
        try {
          json = value === null ? null : JSON.parse(value);
        } catch {
          json = null;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) if (v !== undefined) headers[k] = v.toString();
        this.messages.push({
          topic: topic.slice(this.prefix.length),
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value,
          json,
          headers,
        });
      },
    });
    return this;
  }

  on(topic: string): CollectedMessage[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}
