import { dlqTopic, isTopic, type Topic } from '@helmdesk/contracts';
import type { IncomingMessage, KafkaPort } from '../kafka/port';

export interface DeadLetter {
  partition: number;
  offset: string;
  key: string | null;
  eventId: string | null;
  error: string;
  attempts: string;
  failedAt: string;
  consumerGroup: string;
  value: string | null;
}

/** The group that remembers how far a DLQ has been replayed. */
export const replayGroup = (topic: Topic) => `helmdesk.dlq-replay.${topic}`;

export function parseTopicArgument(value: string | undefined): Topic {
  const topic = value?.replace(/\.dlq$/, '');
  if (!topic || !isTopic(topic)) throw new Error(`unknown topic "${value ?? ''}"`);
  return topic;
}

function toDeadLetter(m: IncomingMessage): DeadLetter {
  let eventId: string | null;
  try {
    eventId = (JSON.parse(m.value ?? '') as { id?: string }).id ?? null;
  } catch {
    eventId = null;
  }
  return {
    partition: m.partition,
    offset: m.offset,
    key: m.key,
    eventId,
    error: m.headers['x-dlq-error'] ?? '',
    attempts: m.headers['x-dlq-attempts'] ?? '',
    failedAt: m.headers['x-dlq-failed-at'] ?? '',
    consumerGroup: m.headers['x-dlq-consumer-group'] ?? '',
    value: m.value,
  };
}

/** Dead letters of a topic not replayed yet (all of them with `all`). */
export async function listDeadLetters(kafka: KafkaPort, topic: Topic, options: { all?: boolean } = {}): Promise<DeadLetter[]> {
  const group = options.all ? `helmdesk.dlq-list.${Date.now()}` : replayGroup(topic);
  const reading = await kafka.readToEnd(dlqTopic(topic), group);
  await reading.close(); // a list never moves the replay position
  return reading.messages.map(toDeadLetter);
}

/**
 * Publishes the dead letters not replayed yet back to their topic (original key, value and headers,
 * without the `x-dlq-*` ones) and remembers the position, so each one is replayed once. Consumers
 * are idempotent by event id, so a replay of an event that did apply changes nothing.
 */
export async function replayDeadLetters(kafka: KafkaPort, topic: Topic): Promise<DeadLetter[]> {
  const reading = await kafka.readToEnd(dlqTopic(topic), replayGroup(topic));
  if (reading.messages.length === 0) {
    await reading.close();
    return [];
  }
  // Every consumer group dead-letters a poison message on its own; it is still one message, so
  // it is republished once (keyed by where it came from), not once per group.
  const seen = new Set<string>();
  const distinct = reading.messages.filter((m) => {
    const origin = `${m.headers['x-dlq-original-partition'] ?? '?'}:${m.headers['x-dlq-original-offset'] ?? `${m.partition}/${m.offset}`}`;
    if (seen.has(origin)) return false;
    seen.add(origin);
    return true;
  });
  const producer = await kafka.createProducer();
  try {
    await producer.send(
      distinct.map((m) => ({
        topic,
        key: m.key ?? '',
        value: m.value ?? '',
        headers: {
          ...Object.fromEntries(Object.entries(m.headers).filter(([name]) => !name.startsWith('x-dlq-'))),
          'x-dlq-replayed-from': `${m.partition}:${m.offset}`,
        },
      })),
    );
    await reading.commit();
  } finally {
    await producer.close();
    await reading.close();
  }
  return distinct.map(toDeadLetter);
}
