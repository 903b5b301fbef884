import type { Kysely, Transaction } from 'kysely';
import { dlqTopic, parseEvent, type HelmdeskEvent, type Topic } from '@helmdesk/contracts';
import type { Database } from '../db/database';
import { isTransientDbError } from '../db/errors';
import type { PlatformTables } from '../db/platform-migrations';
import type { Consumer, IncomingMessage, KafkaPort, Producer } from '../kafka/port';
import type { Logger } from '../logger';
import { backoffMs, sleep } from '../sleep';

/** A handler of one event type; runs inside the transaction that records the event as processed. */
export type EventHandler<DB, T extends Topic> = (
  event: HelmdeskEvent<T>,
  trx: Transaction<DB>,
  meta: { traceparent: string | undefined; log: Logger },
) => Promise<void>;

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
  /** Fault injection for tests: called after the transaction committed, before the offset commit. */
  afterCommit?: (event: HelmdeskEvent) => void;
}

type Outcome = 'applied' | 'duplicate' | 'dead-lettered';

/**
 * At-least-once consumption made effectively-once: each event is handled in one transaction that
 * first records its id in `processed_event` (a duplicate is skipped), and the offset is committed
 * only after that transaction. A database outage is retried until it ends (heartbeating, so the
 * group keeps us); other errors are retried `maxAttempts` times, then the message goes to
 * `<topic>.dlq` with the error in its headers and the consumer moves on.
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
      groupId: this.options.groupId ?? `helmdesk.${this.options.service}`,
      topics: this.topics,
      fromBeginning: true,
      handle: (message, heartbeat) => this.handle(message, heartbeat),
    });
  }

  /** Leaves the group cleanly; the message in flight finishes first. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.consumer?.close();
    await this.dlqProducer?.close();
  }

  private async handle(message: IncomingMessage, heartbeat: () => Promise<void>): Promise<void> {
    const log = this.log.child({ topic: message.topic, partition: message.partition, offset: message.offset });
    let parsed: ReturnType<typeof parseEvent>;
    try {
      parsed = parseEvent(JSON.parse(message.value ?? ''));
    } catch {
      parsed = { ok: false, error: 'message value is not JSON' };
    }
    if (!parsed.ok) {
      await this.deadLetter(message, parsed.error, 0, log);
      return;
    }
    const event = parsed.event;
    if (event.type !== message.topic) {
      await this.deadLetter(message, `event type ${event.type} on topic ${message.topic}`, 0, log);
      return;
    }
    const maxAttempts = this.options.maxAttempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      try {
        const outcome = await this.applyOnce(event, message, log);
        this.counts[outcome]++;
        if (outcome === 'applied') this.options.afterCommit?.(event);
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

  private async applyOnce(event: HelmdeskEvent, message: IncomingMessage, log: Logger): Promise<Outcome> {
    const handler = this.options.handlers[event.type] as EventHandler<DB, Topic> | undefined;
    const db = this.options.database.db as unknown as Kysely<PlatformTables>;
    return db.transaction().execute(async (trx) => {
      const fresh = await trx
        .insertInto('processed_event')
        .values({ event_id: event.id, topic: event.type })
        .onConflict((oc) => oc.column('event_id').doNothing())
        .returning('event_id')
        .executeTakeFirst();
      if (!fresh) {
        log.debug({ eventId: event.id }, 'duplicate event skipped');
        return 'duplicate';
      }
      await handler?.(event, trx as unknown as Transaction<DB>, {
        traceparent: message.headers.traceparent,
        log: log.child({ eventId: event.id }),
      });
      return 'applied';
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
              'x-dlq-consumer-group': this.options.groupId ?? `helmdesk.${this.options.service}`,
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
