import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Tables every service has in its own schema: the transactional outbox, the consumer's
 * processed-event ledger and the Idempotency-Key store. Append-only: never edit a landed one.
 */
export const platformMigrations: Record<string, Migration> = {
  '20261123T0000-platform-outbox': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('outbox')
        .addColumn('id', 'bigserial', (c) => c.primaryKey())
        .addColumn('event_id', 'uuid', (c) => c.notNull().unique())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('payload', 'jsonb', (c) => c.notNull())
        .addColumn('headers', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn('published_at', 'timestamptz')
        .execute();
      await sql`create index outbox_unpublished on outbox (id) where published_at is null`.execute(db);
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('outbox').execute();
    },
  },
  '20261123T0001-platform-processed-event': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('processed_event')
        .addColumn('event_id', 'text', (c) => c.primaryKey())
        .addColumn('topic', 'text', (c) => c.notNull())
        .addColumn('processed_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('processed_event').execute();
    },
  },
  '20261123T0002-platform-idempotency-key': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('idempotency_key')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('response', 'jsonb')
        .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint('idempotency_key_pk', ['scope', 'key'])
        .execute();
    },
    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('idempotency_key').execute();
    },
  },
};

/** Kysely types of the platform tables, merged into each service's own DB type. */
export interface PlatformTables {
  outbox: {
    id: import('kysely').Generated<number>;
    event_id: string;
    topic: string;
    key: string;
    payload: unknown;
    headers: import('kysely').ColumnType<Record<string, string>, string | undefined, string>;
    created_at: import('kysely').Generated<Date>;
    published_at: Date | null;
  };
  processed_event: {
    event_id: string;
    topic: string;
    processed_at: import('kysely').Generated<Date>;
  };
  idempotency_key: {
    scope: string;
    key: string;
    request_hash: string;
    response: unknown;
    created_at: import('kysely').Generated<Date>;
  };
}
