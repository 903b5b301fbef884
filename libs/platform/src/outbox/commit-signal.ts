import type pg from 'pg';
import type { Logger } from '../logger';

/**
 * How a committed outbox write wakes the relay that publishes it (ADR 0027).
 *
 * Not by a NOTIFY in the writing transaction: Postgres serializes the commits of all transactions
 * that notified, across the whole server, behind one lock held through the commit's WAL flush
 * (`Lock:object` in pg_stat_activity), which undoes group commit on the hottest path. Instead:
 * - the pooled connections watch for a statement that inserts into the outbox, and report when
 *   its transaction has ended (`watchOutboxCommits`);
 * - an active relay of the same process for that schema is woken directly, with no round trip;
 * - when this process has none (another replica's relay is active, or this is a CLI), one NOTIFY
 *   in a transaction of its own tells the others, at most one in flight per process at a time.
 */

export function outboxChannel(schema: string): string {
  return `helmdesk_outbox_${schema}`;
}

/** What every outbox insert's SQL contains (Kysely's `insertInto('outbox')`, alone or as a CTE). */
const outboxInsert = 'insert into "outbox"';

const localRelays = new Map<string, Set<() => void>>();

/** An active relay of this process for `schema`, woken directly by local commits. Returns the unregister. */
export function registerLocalRelay(schema: string, wake: () => void): () => void {
  const wakers = localRelays.get(schema) ?? new Set();
  localRelays.set(schema, wakers);
  wakers.add(wake);
  return () => {
    wakers.delete(wake);
    if (wakers.size === 0) localRelays.delete(schema);
  };
}

/** A commit with outbox rows of `schema`: wakes the local relay, or else tells the others. */
export function outboxCommitted(schema: string, notifyOthers: () => void): void {
  const wakers = localRelays.get(schema);
  if (wakers === undefined) notifyOthers();
  else for (const wake of wakers) wake();
}

/**
 * Calls `run` now or, when a call is in flight, once more after it: any number of requests
 * meanwhile make one more call. Errors go to `onError`.
 */
export function coalesced(run: () => Promise<unknown>, onError: (err: unknown) => void): () => void {
  let running = false;
  let again = false;
  const go = (): void => {
    running = true;
    again = false;
    run()
      .catch(onError)
      .finally(() => {
        running = false;
        if (again) go();
      });
  };
  return () => {
    if (running) again = true;
    else go();
  };
}

/** The NOTIFY that wakes another process's relay (coalesced: see `coalesced`). */
export function notifyOtherRelays(pool: pg.Pool, schema: string, logger?: Logger): () => void {
  return coalesced(
    () => pool.query("select pg_notify($1, '')", [outboxChannel(schema)]),
    (err) => logger?.warn({ err }, 'cannot notify the outbox relay; it finds the rows at its next poll'),
  );
}

/**
 * Calls `onCommit` when a transaction of this connection that inserted into the outbox has ended:
 * after the statement itself when it ran outside a transaction, else after the statement that
 * leaves the transaction (Postgres reports the transaction status with every answer). A rollback
 * costs one needless wake-up; a lost connection none (nothing was committed).
 */
export function watchOutboxCommits(client: pg.PoolClient, onCommit: () => void): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  let pending = false;
  const ended = () => {
    if (pending && client.getTransactionStatus() === 'I') {
      pending = false;
      onCommit();
    }
  };
  const inserted = () => {
    if (client.getTransactionStatus() === 'I') onCommit();
    else pending = true;
  };
  const ignore = () => undefined;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    if (pending) void result.then(ended, ended);
    else if (textOf(args[0])?.includes(outboxInsert)) void result.then(inserted, ignore);
    return result;
  };
}

function textOf(config: unknown): string | undefined {
  if (typeof config === 'string') return config;
  const text = (config as { text?: unknown } | null)?.text;
  return typeof text === 'string' ? text : undefined;
}
