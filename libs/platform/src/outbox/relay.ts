import type pg from 'pg';
import type { Database } from '../db/database';
import type { KafkaPort, Producer } from '../kafka/port';
import type { Logger } from '../logger';
import { backoffMs, sleep } from '../sleep';
import { outboxChannel, registerLocalRelay } from './commit-signal';

/**
 * The reason given when a wake-up aborts a sleep: without one, `abort()` builds a DOMException
 * (with a stack trace) per NOTIFY, which showed in profiles.
 */
const woken = 'woken';

export interface RelayOptions {
  database: Database<unknown>;
  kafka: KafkaPort;
  logger: Logger;
  batchSize?: number;
  /** Poll fallback when no NOTIFY arrives. */
  pollMs?: number;
  /** How often a standby replica tries to take over the lock. */
  standbyRetryMs?: number;
  /** Fault injection for tests: called after the broker acked a batch, before it is marked. */
  afterSend?: () => void;
  /**
   * How long a published batch may wait to be marked published by the next batch's query
   * (one statement for both while rows keep coming) before it is marked on its own.
   */
  markDelayMs?: number;
}

/** Prepared once on the relay's connection (it is not pooled: see preparePooledStatements). */
const selectBatch = {
  name: 'helmdesk-relay-select',
  text: `select id, topic, key, payload, headers from outbox
          where published_at is null order by id limit $1`,
};
/** Marks the batch before and reads the next in one statement (the select cannot see the update). */
const markAndSelectBatch = {
  name: 'helmdesk-relay-mark-select',
  text: `with marked as (update outbox set published_at = now() where id = any($2::bigint[]))
         select id, topic, key, payload, headers from outbox
          where published_at is null and not (id = any($2::bigint[])) order by id limit $1`,
};
const markBatch = {
  name: 'helmdesk-relay-mark',
  text: 'update outbox set published_at = now() where id = any($1::bigint[])',
};

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  headers: Record<string, string>;
}

/**
 * Publishes the outbox in order. One relay per service is active (a session advisory lock on a
 * dedicated connection); the others wait and take over when its connection dies. Woken directly
 * by commits in its own process and by other processes' NOTIFY, with a poll fallback; while the
 * broker is down it keeps the batch and backs off, so nothing is lost or reordered.
 */
export class OutboxRelay {
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private wake = new AbortController();
  private loop: Promise<void> | null = null;
  private producer: Producer | null = null;
  private active = false;
  private publishedTotal = 0;

  constructor(private readonly options: RelayOptions) {
    this.log = options.logger.child({ component: 'outbox-relay' });
  }

  get isActive(): boolean {
    return this.active;
  }

  get published(): number {
    return this.publishedTotal;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Finishes the batch in flight, releases the lock and closes the producer. */
  async stop(): Promise<void> {
    this.abort.abort();
    this.wake.abort(woken);
    await this.loop;
    await this.producer?.close();
    this.producer = null;
  }

  private get stopping(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    const { database } = this.options;
    const lockKey = `helmdesk:outbox-relay:${database.schema}`;
    let failures = 0;
    let unregister: (() => void) | undefined;
    while (!this.stopping) {
      let client: pg.Client | null = null;
      try {
        client = await database.connect();
        const broken = new Promise<never>((_, reject) => {
          client!.on('error', reject);
          client!.on('end', () => reject(new Error('relay connection ended')));
        });
        broken.catch(() => undefined);
        if (!(await this.acquire(client, lockKey, broken))) break;
        this.active = true;
        this.log.info('relay active');
        // Commits in this process wake it directly; other processes' commits by NOTIFY (ADR 0027).
        const wake = () => this.wake.abort(woken);
        unregister = registerLocalRelay(database.schema, wake);
        client.on('notification', wake);
        await client.query(`listen "${outboxChannel(database.schema)}"`);
        failures = 0;
        await Promise.race([this.publishUntilStopped(client), broken]);
      } catch (err) {
        failures++;
        if (!this.stopping) {
          this.log.warn({ err, failures }, 'relay interrupted; retrying');
          await sleep(backoffMs(failures), this.abort.signal);
        }
      } finally {
        unregister?.();
        unregister = undefined;
        this.active = false;
        await client?.end().catch(() => undefined);
      }
    }
  }

  /** Waits for the advisory lock (standby). False when stopped while waiting. */
  private async acquire(client: pg.Client, lockKey: string, broken: Promise<never>): Promise<boolean> {
    let announced = false;
    while (!this.stopping) {
      const { rows } = await Promise.race([
        client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [lockKey]),
        broken,
      ]);
      if (rows[0]?.locked) return true;
      if (!announced) this.log.info('another replica holds the relay lock; standing by');
      announced = true;
      await sleep(this.options.standbyRetryMs ?? 1_000, this.abort.signal);
    }
    return false;
  }

  /**
   * Reads a batch, sends it, marks it published. While rows keep coming, a batch is marked by the
   * query that reads the next one, a round trip less per batch; when nothing comes within
   * `markDelayMs` it is marked on its own. A batch is always marked only after the broker acked
   * it, so a crash before the mark sends it again (the consumers skip it as a duplicate).
   */
  private async publishUntilStopped(client: pg.Client): Promise<void> {
    const batchSize = this.options.batchSize ?? 200;
    const markDelayMs = this.options.markDelayMs ?? 20;
    let unmarked: string[] = [];
    let sendFailures = 0;
    const markNow = async () => {
      if (unmarked.length === 0) return;
      await client.query({ ...markBatch, values: [unmarked] });
      unmarked = [];
    };
    try {
      while (!this.stopping) {
        this.wake = new AbortController();
        const { rows } = await client.query<OutboxRow>(
          unmarked.length > 0 ? { ...markAndSelectBatch, values: [batchSize, unmarked] } : { ...selectBatch, values: [batchSize] },
        );
        unmarked = [];
        if (rows.length > 0) {
          try {
            this.producer ??= await this.options.kafka.createProducer();
            await this.producer.send(
              rows.map((r) => ({ topic: r.topic, key: r.key, value: JSON.stringify(r.payload), headers: r.headers })),
            );
          } catch (err) {
            sendFailures++;
            this.log.warn({ err, sendFailures, pending: rows.length }, 'publish failed; will retry the same batch');
            await sleep(backoffMs(sendFailures, 200, 5_000), this.abort.signal);
            continue;
          }
          sendFailures = 0;
          this.options.afterSend?.();
          unmarked = rows.map((r) => r.id);
          this.publishedTotal += rows.length;
          if (rows.length === batchSize) continue;
          // Wait a moment for more rows to mark this batch with; if none come, mark it now.
          await sleep(markDelayMs, this.wake.signal, this.abort.signal);
          if (this.wake.signal.aborted && !this.stopping) continue;
          await markNow();
        }
        await sleep(this.options.pollMs ?? 1_000, this.wake.signal, this.abort.signal);
      }
    } finally {
      // Stopping: what was sent is marked before the lock goes (a lost connection cannot).
      await markNow().catch(() => undefined);
    }
  }
}

/** Rows not yet published: the outbox backlog metric. */
export async function outboxBacklog(database: Database<unknown>): Promise<number> {
  const { rows } = await database.pool.query<{ n: number }>(
    'select count(*)::int as n from outbox where published_at is null',
  );
  return rows[0]?.n ?? 0;
}

/** Deletes rows published more than `olderThanHours` ago. */
export async function pruneOutbox(database: Database<unknown>, olderThanHours = 24): Promise<number> {
  const result = await database.pool.query(
    `delete from outbox where published_at < now() - make_interval(hours => $1)`,
    [olderThanHours],
  );
  return result.rowCount ?? 0;
}

/**
 * Forgets consumed event ids older than `olderThanDays` — longer than Kafka keeps messages
 * (7 days by default), so a redelivery can never outlive its id.
 */
export async function pruneProcessedEvents(database: Database<unknown>, olderThanDays = 14): Promise<number> {
  const result = await database.pool.query(
    `delete from processed_event where processed_at < now() - make_interval(days => $1)`,
    [olderThanDays],
  );
  return result.rowCount ?? 0;
}
