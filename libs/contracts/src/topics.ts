/** Kafka topics, named after the event type they carry (DESIGN.md §2). */
export const topics = [
  'user.created',
  'user.updated',
  'case.created',
  'case.assigned',
  'case.requeued',
  'case.resolved',
  'agent.freed',
  'agent.removed',
] as const;
export type Topic = (typeof topics)[number];

/** The dead-letter topic for a topic: where events go that still fail after retries. */
export function dlqTopic(topic: Topic): string {
  return `${topic}.dlq`;
}

/** Every topic the platform needs, data topics and their dead-letter topics. */
export function allTopicNames(): string[] {
  return topics.flatMap((t) => [t, dlqTopic(t)]);
}

export function isTopic(value: string): value is Topic {
  return (topics as readonly string[]).includes(value);
}
