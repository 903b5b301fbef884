import { sql, type Kysely, type Transaction } from 'kysely';
import { dlqTopic, parseEvent, type HelmdeskEvent, type Topic } from '@helmdesk/contracts';
import type { Database } from '../db/database';
import { isTransientDbError } from '../db/errors';
import type { PlatformTables } from '../db/platform-migrations';
import type { Consumer, IncomingMessage, KafkaPort, Producer } from '../kafka/port';
import type { Logger } from '../logger';
import { backoffMs, sleep } from '../sleep';

/** What a handler gets besides its event and transaction. */
export interface EventMeta {
  traceparent: string | undefined;
  log: Logger;
  /**
   * Runs `task` in this transaction after the batch's last handler, before the commit (tasks in
   * the order they were added). For work that is cheaper once per batch than once per event: a
   * handler buffers its event and adds one task that handles the buffer. When a task fails, each
   * event of the batch is applied again in a transaction of its own.
   */
  beforeCommit(task: () => Promise<void>): void;
}

/** A handler of one event type; runs inside the transaction that records the event as processed. */
export type EventHandler<DB, T extends Topic> = (event: HelmdeskEvent<T>, trx: Transaction<DB>, meta: EventMeta) => Promise<void>;

export type EventHandlers<DB> = { [T in Topic]?: EventHandler<DB, T> };

/** Thrown by a handler for an event that can never succeed: it goes to the DLQ at once. */
export class PermanentEventError extends Error {
  override name = 'PermanentEventError';
}

export interface ConsumerRunnerOptions<DB> {
  service: string;
  database: Database<DB>;
  kafka: KafkaPort;
  handlers: EventHandlers<DB>;
  logger: Logger;
  /** Attempts for an error that is not a database outage, before the event goes to the DLQ. */
  maxAttempts?: number;
  /** Consumer group; defaults to `helmdesk.<service>`. */
  groupId?: string;
  /** Events applied in one transaction, at most (default 100). */
  maxBatchSize?: number;
  /** Fault injection for tests: called after the transaction committed, before the offset commit. */
  afterCommit?: (event: HelmdeskEvent) => void;
}

type Outcome = 'applied' | 'duplicate' | 'dead-lettered';
interface Item {
  event: HelmdeskEvent;
  message: IncomingMessage;
}

/**
 * At-least-once consumption made effectively-once: a batch of events (consecutive messages of one
 * partition) is handled in one transaction that first records their ids in `processed_event` (a
 * duplicate is skipped), and the offset is committed only after that transaction. A database
 * outage is retried until it ends (heartbeating, so the group keeps us). Any other error rolls the
 * batch back and its events are applied again one per transaction, so the one that fails is
 * isolated: it is retried `maxAttempts` times, then goes to `<topic>.dlq` with the error in its
 * headers and the consumer moves on. Batching is what lets one consumer keep up: a transaction
 * commit and an offset commit per event cost more than most handlers (BENCHMARKS.md §4).
 */
export class ConsumerRunner<DB> {
  private consumer: Consumer | null = null;
  private dlqProducer: Producer | null = null;
  private readonly abort = new AbortController();
  private readonly log: Logger;
  readonly counts: Record<Outcome, number> = { applied: 0, duplicate: 0, 'dead-lettered': 0 };

  constructor(private readonly options: ConsumerRunnerOptions<DB>) {
    this.log = options.logger.child({ component: 'consumer' });
  }

  get topics(): Topic[] {
    return Object.keys(this.options.handlers) as Topic[];
  }

  async start(): Promise<void> {
    if (this.topics.length === 0) return;
    this.consumer = await this.options.kafka.consume({
      groupId: this.groupId,
      topics: this.topics,
      fromBeginning: true,
      maxBatchSize: this.options.maxBatchSize ?? 100,
      handle: (messages, heartbeat) => this.handleBatch(messages, heartbeat),
    });
  }

  /** The consumer group this runner joins. */
  get groupId(): string {
    return this.options.groupId ?? `helmdesk.${this.options.service}`;
  }

  /**
   * Leaves the group cleanly; the message in flight finishes first. True when this call left the
   * group (false when the runner had not joined it, or had already left).
   */
  async stop(): Promise<boolean> {
    this.abort.abort();
    const consumer = this.consumer;
    this.consumer = null;
    const producer = this.dlqProducer;
    this.dlqProducer = null;
    await consumer?.close();
    await producer?.close();
    return consumer !== null;
  }

  private async handleBatch(messages: IncomingMessage[], heartbeat: () => Promise<void>): Promise<void> {
    const valid: Item[] = [];
    for (const message of messages) {
      const event = await this.validEventOrDeadLetter(message);
      if (event) valid.push({ event, message });
    }
    await this.applyAll(valid, heartbeat);
  }

  /**
   * Applies the items in one transaction. When one of them fails (not a database outage, which is
   * waited out), the ones before it are applied again without it, it goes through `handleOne`
   * (retries, DLQ) having used its first attempt, and the ones after it follow as a batch.
   */
  private async applyAll(items: Item[], heartbeat: () => Promise<void>): Promise<void> {
    if (items.length === 0) return;
    if (items.length === 1) return this.handleOne(items[0]!, heartbeat);
    for (let attempt = 1; ; attempt++) {
      const progress = { index: -1 };
      try {
        this.record(items, await this.applyBatch(items, progress));
        return;
      } catch (err) {
        if (this.abort.signal.aborted) throw err; // shutting down: redelivered later
        if (isTransientDbError(err)) {
          this.log.warn({ err, attempt, events: items.length }, 'database unavailable; retrying batch');
          await sleep(backoffMs(attempt, 100, 5_000), this.abort.signal);
          await heartbeat();
          continue;
        }
        if (progress.index >= items.length) {
          // A before-commit task failed: it worked for the whole batch, so no one event is to blame.
          this.log.warn({ err, events: items.length }, 'batch failed before commit; applying its events one by one');
          for (const item of items) await this.handleOne(item, heartbeat);
          return;
        }
        const failed = Math.max(progress.index, 0);
        await this.applyAll(items.slice(0, failed), heartbeat);
        await this.handleOne(items[failed]!, heartbeat, err);
        await this.applyAll(items.slice(failed + 1), heartbeat);
        return;
      }
    }
  }

  private record(items: Item[], outcomes: Outcome[]): void {
    outcomes.forEach((outcome, i) => {
      this.counts[outcome]++;
      if (outcome === 'applied') this.options.afterCommit?.(items[i]!.event);
    });
  }

  /** The message's event, or undefined when it can never be one (then it is dead-lettered). */
  private async validEventOrDeadLetter(message: IncomingMessage): Promise<HelmdeskEvent | undefined> {
    let parsed: ReturnType<typeof parseEvent>;
    try {
      parsed = parseEvent(JSON.parse(message.value ?? ''));
    } catch {
      parsed = { ok: false, error: 'message value is not JSON' };
    }
    const error = !parsed.ok
      ? parsed.error
      : parsed.event.type !== message.topic
        ? `event type ${parsed.event.type} on topic ${message.topic}`
        : undefined;
    if (parsed.ok && error === undefined) return parsed.event;
    await this.deadLetter(message, error ?? 'invalid event', 0, this.messageLog(message));
    return undefined;
  }

  private messageLog(message: IncomingMessage): Logger {
    return this.log.child({ topic: message.topic, partition: message.partition, offset: message.offset });
  }

  /** One event in its own transaction, with retries and the DLQ; `firstError` when attempt 1 already failed. */
  private async handleOne(item: Item, heartbeat: () => Promise<void>, firstError?: unknown): Promise<void> {
    const { event, message } = item;
    const log = this.messageLog(message);
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        if (attempt === 1 && firstError !== undefined) throw firstError;
        this.record([item], await this.applyBatch([item], { index: -1 }));
        return;
      } catch (err) {
        if (this.abort.signal.aborted) throw err; // shutting down: redelivered later
        const transient = isTransientDbError(err);
        if (!transient && (err instanceof PermanentEventError || attempt >= maxAttempts)) {
          await this.deadLetter(message, errorText(err), attempt, log);
          return;
        }
        log.warn({ err, attempt, eventId: event.id }, transient ? 'database unavailable; retrying event' : 'event failed; retrying');
        await sleep(backoffMs(attempt, 100, 5_000), this.abort.signal);
        await heartbeat();
      }
    }
  }

  /**
   * Applies events in order in one transaction: one insert records every id in `processed_event`
   * and tells which are new; only those reach their handler. An id seen twice in the same batch
   * counts once. `progress.index` is the item being handled when it throws (`items.length`: a
   * before-commit task).
   */
  private async applyBatch(items: Item[], progress: { index: number }): Promise<Outcome[]> {
    const db = this.options.database.db as unknown as Kysely<PlatformTables>;
    return db.transaction().execute(async (trx) => {
      // One text for any batch size (arrays, not a VALUES row per event): prepared once per
      // connection instead of planned for each new batch size (ADR 0030).
      const topics = new Map(items.map(({ event }) => [event.id, event.type]));
      const { rows: inserted } = await sql<{ event_id: string }>`
        insert into processed_event (event_id, topic)
        select * from unnest(${[...topics.keys()]}::text[], ${[...topics.values()]}::text[])
        on conflict (event_id) do nothing
        returning event_id`.execute(trx);
      const fresh = new Set(inserted.map((r) => r.event_id));
      const outcomes: Outcome[] = [];
      const beforeCommit: Array<() => Promise<void>> = [];
      for (const [index, { event, message }] of items.entries()) {
        progress.index = index;
        if (!fresh.delete(event.id)) {
          this.log.debug({ eventId: event.id }, 'duplicate event skipped');
          outcomes.push('duplicate');
          continue;
        }
        const handler = this.options.handlers[event.type] as EventHandler<DB, Topic> | undefined;
        // The handler's logger is made when it first logs: child loggers cost more than most handlers.
        let eventLog: Logger | undefined;
        const eventLogOf = () => (eventLog ??= this.messageLog(message).child({ eventId: event.id }));
        await handler?.(event, trx as unknown as Transaction<DB>, {
          traceparent: message.headers.traceparent,
          get log() {
            return eventLogOf();
          },
          beforeCommit: (task) => beforeCommit.push(task),
        });
        outcomes.push('applied');
      }
      progress.index = items.length;
      for (const task of beforeCommit) await task();
      return outcomes;
    });
  }

  private async deadLetter(message: IncomingMessage, error: string, attempts: number, log: Logger): Promise<void> {
    log.error({ error, attempts }, 'event sent to the dead-letter topic');
    this.dlqProducer ??= await this.options.kafka.createProducer();
    for (let attempt = 1; ; attempt++) {
      try {
        await this.dlqProducer.send([
          {
            topic: dlqTopic(message.topic as Topic),
            key: message.key ?? '',
            value: message.value ?? '',
            headers: {
              ...message.headers,
              'x-dlq-error': error.slice(0, 2_000),
              'x-dlq-attempts': String(attempts),
              'x-dlq-original-topic': message.topic,
              'x-dlq-original-partition': String(message.partition),
              'x-dlq-original-offset': message.offset,
              'x-dlq-consumer-group': this.groupId,
              'x-dlq-failed-at': new Date().toISOString(),
            },
          },
        ]);
        this.counts['dead-lettered']++;
        return;
      } catch (err) {
        if (this.abort.signal.aborted) throw err;
        log.warn({ err, attempt }, 'dead-letter publish failed; retrying');
        await sleep(backoffMs(attempt), this.abort.signal);
      }
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
