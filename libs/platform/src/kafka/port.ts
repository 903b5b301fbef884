/**
 * The one small port through which Helmdesk talks to Kafka (DESIGN.md §7). Everything above it
 * (outbox relay, consumer runner, topic tooling) is client-agnostic; swapping kafkajs for a
 * maintained client means writing one new adapter.
 */
export interface OutgoingMessage {
  topic: string;
  key: string;
  value: string;
  headers: Record<string, string>;
}

export interface IncomingMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
}

export interface Producer {
  /** Sends messages in order, idempotently, acks=all; resolves once every one is acknowledged. */
  send(messages: OutgoingMessage[]): Promise<void>;
  close(): Promise<void>;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  /** Start from the earliest offset when the group has no committed offset. */
  fromBeginning?: boolean;
  /**
   * Handles a batch: consecutive messages of one partition, in offset order (at most
   * `maxBatchSize`). The offset after the last one is committed only after it resolves (within
   * `commitIntervalMs`); if it rejects, the consumer stops there and the whole batch is delivered
   * again (after a restart or rebalance). `heartbeat` keeps the group membership alive during
   * long retries.
   */
  handle(messages: IncomingMessage[], heartbeat: () => Promise<void>): Promise<void>;
  /** Upper bound on one batch (default 100). */
  maxBatchSize?: number;
  /**
   * Offsets are committed at most this often (default 250 ms), for every partition handled
   * meanwhile, and when the consumer closes. A crash loses at most this much progress: those
   * messages come again, so the handler must be idempotent (the consumer runner is).
   */
  commitIntervalMs?: number;
  /** Partitions handled at the same time (default 1). */
  partitionsConcurrently?: number;
  /**
   * A consumer showing no sign of life (no fetch, heartbeat or join) this long is replaced by a
   * new one in the same group (default 90 s; the adapter's watchdog).
   */
  stallMs?: number;
}

export interface Consumer {
  /** Leaves the group cleanly (the in-flight message finishes first). */
  close(): Promise<void>;
}

export interface TopicSpec {
  topic: string;
  partitions: number;
  replicationFactor: number;
}

export interface TopicReading {
  messages: IncomingMessage[];
  /** Marks every message read as done for the reading's group (a later reading starts after them). */
  commit(): Promise<void>;
  /** Leaves the group; without a commit first, the position does not move. */
  close(): Promise<void>;
}

export interface KafkaPort {
  /** The physical name of a logical topic (the optional prefix isolates test runs). */
  topicName(topic: string): string;
  createProducer(): Promise<Producer>;
  consume(options: ConsumeOptions): Promise<Consumer>;
  /**
   * Reads a topic from `groupId`'s committed position (or the beginning) up to its current end:
   * the dead-letter tool's view of a DLQ.
   */
  readToEnd(topic: string, groupId: string, timeoutMs?: number): Promise<TopicReading>;
  /** Creates topics that do not exist yet; returns the ones it created. */
  createTopics(specs: TopicSpec[]): Promise<string[]>;
  close(): Promise<void>;
}
