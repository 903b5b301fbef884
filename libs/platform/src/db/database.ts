import { createHash } from 'node:crypto';
import { Kysely, PostgresDialect, sql, type Compilable, type QueryExecutorProvider, type RawBuilder, type Transaction } from 'kysely';
import pg from 'pg';
import type { Logger } from '../logger';
import { notifyOtherRelays, outboxCommitted, watchOutboxCommits } from '../outbox/commit-signal';

// Postgres `bigint` (count(*), bigserial) as JS number: our counts and ids stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseOptions {
  url: string;
  /** The service's own Postgres schema: every unqualified name resolves there. */
  schema: string;
  poolMax?: number;
  applicationName?: string;
  logger?: Logger;
  /**
   * Run parameterized statements as named prepared statements, each prepared once per connection
   * (default true; see preparePooledStatements). Off for a transaction-mode connection pooler
   * that cannot keep them.
   */
  preparedStatements?: boolean;
}

export interface Database<DB> {
  db: Kysely<DB>;
  pool: pg.Pool;
  schema: string;
  /**
   * Opens a dedicated connection outside the pool (relay LISTEN, advisory locks). A lost connection
   * is logged; the caller sees it fail (or listens for 'error'/'end' itself, as the relay does).
   */
  connect(): Promise<pg.Client>;
  close(): Promise<void>;
}

const schemaName = /^[a-z_][a-z0-9_]*$/;

/** Statements with more parameters (long multi-row inserts, long `in` lists) are not kept. */
const maxPreparedParameters = 32;
/** Postgres refuses a cached plan whose result columns changed (a migration altered a table). */
const resultTypeChanged = (err: unknown) =>
  (err as { code?: string }).code === '0A000' && /cached plan must not change result type/.test((err as Error).message);

/**
 * Makes a pooled client run every parameterized statement of up to 32 parameters as a named
 * prepared statement, named by a hash of its text: Postgres parses and analyses it once per
 * connection instead of on every call, which is most of a short statement's cost (ADR 0023).
 * The names are per connection and bounded by the number of distinct statement texts. When a
 * migration changes a table under a prepared `select *`, the next call fails once with
 * "cached plan must not change result type"; the statement is then prepared afresh under a new
 * name, and that one failure is an ordinary transient database error.
 */
function preparePooledStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const names = new Map<string, string>();
  const stale = new Map<string, number>();
  const nameOf = (text: string) => {
    let name = names.get(text);
    if (name === undefined) {
      const hash = createHash('sha1').update(text).digest('base64url').slice(0, 20);
      const generation = stale.get(text) ?? 0;
      name = generation === 0 ? `hd_${hash}` : `hd_${hash}_${generation}`;
      names.set(text, name);
    }
    return name;
  };
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const [text, values, callback] = args;
    if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || values.length > maxPreparedParameters || callback !== undefined) {
      return query(...args);
    }
    const result = query({ name: nameOf(text), text, values }) as Promise<unknown>;
    return result.catch((err: unknown) => {
      if (resultTypeChanged(err)) {
        names.delete(text);
        stale.set(text, (stale.get(text) ?? 0) + 1);
      }
      throw err;
    });
  };
}

export function createDatabase<DB>(options: DatabaseOptions): Database<DB> {
  if (!schemaName.test(options.schema)) throw new Error(`invalid schema name ${options.schema}`);
  const clientConfig: pg.ClientConfig = {
    connectionString: options.url,
    options: `-c search_path=${options.schema}`,
    application_name: options.applicationName ?? `helmdesk-${options.schema}`,
    connectionTimeoutMillis: 5_000,
    statement_timeout: 30_000,
  };
  const pool = new pg.Pool({
    ...clientConfig,
    max: options.poolMax ?? 10,
    idleTimeoutMillis: 30_000,
  });
  // An idle pooled client that loses its connection emits here too (the pool replaces it); the
  // per-client listener below has logged it already, so this one only keeps it from throwing.
  pool.on('error', () => undefined);
  // pg-pool drops its own error listener while a client is checked out: a connection cut between
  // two statements would otherwise be an unhandled 'error' that kills the process. The query in
  // flight still fails (→ 503 or a consumer retry); the pool discards the broken client.
  const onLost = (err: Error) => options.logger?.warn({ err }, 'database connection lost');
  const notifyOthers = notifyOtherRelays(pool, options.schema, options.logger);
  const committed = () => outboxCommitted(options.schema, notifyOthers);
  pool.on('connect', (client) => {
    client.on('error', onLost);
    if (options.preparedStatements ?? true) preparePooledStatements(client);
    // Committed outbox rows wake the relay (ADR 0027).
    watchOutboxCommits(client, committed);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  let closed = false;
  return {
    db,
    pool,
    schema: options.schema,
    async connect() {
      const client = new pg.Client(clientConfig);
      // The same for a dedicated connection (the migration lock waits on one while the migrations
      // run on the pool): losing it must fail its next query, not end the process.
      client.on('error', onLost);
      await client.connect();
      return client;
    },
    async close() {
      if (closed) return;
      closed = true;
      await db.destroy();
    },
  };
}

export type Tx<DB> = Transaction<DB>;

/** A statement built and not run yet: a Kysely query builder, or a `sql` template. */
export type Statement<R = unknown> = Compilable<R> | RawBuilder<R>;

/**
 * Runs `main` with the `alongside` writes as data-modifying CTEs of the same statement: one round
 * trip, applied atomically (foreign keys are checked at the end of the statement, so an insert
 * alongside may refer to the row `main` inserts). Returns `main`'s rows. For the hot paths where
 * a change and its outbox row and history would otherwise be a transaction of several round trips.
 */
export async function executeWith<R>(db: QueryExecutorProvider, main: Statement<R>, alongside: Statement[]): Promise<R[]> {
  if (alongside.length === 0) return (await sql<R>`${main}`.execute(db)).rows;
  const ctes = alongside.map((q, i) => sql`${sql.id(`alongside_${i}`)} as (${q})`);
  return (await sql<R>`with ${sql.join(ctes)} ${main}`.execute(db)).rows;
}

/** Cheap liveness check of the database. */
export async function pingDatabase(db: Kysely<unknown>): Promise<void> {
  await sql`select 1`.execute(db);
}
