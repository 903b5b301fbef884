import { sql, type Kysely, type Migration } from 'kysely';

/** Webhooks, the delivery log (one row per side effect, unique per event/channel/audience), digests. */
export const deliveries: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('webhook')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('events', sql`text[]`, (c) => c.notNull())
      .addColumn('secret', 'text', (c) => c.notNull())
      .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
      .addColumn('consecutive_failures', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('disabled_at', 'timestamptz')
      .addColumn('disabled_reason', 'text')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('deleted_at', 'timestamptz')
      .execute();
    await sql`create index webhook_subscribed on webhook using gin (events) where enabled and deleted_at is null`.execute(db);

    await db.schema
      .createTable('delivery')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
      .addColumn('event_id', 'text', (c) => c.notNull())
      .addColumn('event', 'text', (c) => c.notNull())
      .addColumn('channel', 'text', (c) => c.notNull().check(sql`channel in ('email', 'webhook')`))
      .addColumn('audience', 'text', (c) => c.notNull())
      .addColumn('recipient', 'text', (c) => c.notNull())
      .addColumn('recipient_user_id', 'uuid')
      .addColumn('webhook_id', 'uuid', (c) => c.references('webhook.id'))
      .addColumn('template', 'text')
      .addColumn('context', 'jsonb', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull().defaultTo('queued').check(sql`status in ('queued', 'sent', 'failed')`))
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('response_status', 'integer')
      .addColumn('next_attempt_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('claim_token', 'uuid')
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('sent_at', 'timestamptz')
      .addUniqueConstraint('delivery_once', ['event_id', 'channel', 'audience'])
      .execute();
    await sql`create index delivery_due on delivery (next_attempt_at) where status = 'queued'`.execute(db);
    await sql`create index delivery_recipient on delivery (lower(recipient), seq)`.execute(db);
    await sql`create index delivery_webhook on delivery (webhook_id, seq) where webhook_id is not null`.execute(db);
    await sql`create index delivery_created on delivery (created_at)`.execute(db);

    await db.schema
      .createTable('digest')
      .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
      .addColumn('day', 'text', (c) => c.notNull().check(sql`day ~ '^\\d{4}-\\d{2}-\\d{2}$'`))
      .addColumn('trigger', 'text', (c) => c.notNull().check(sql`trigger in ('schedule', 'manual')`))
      .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    // The schedule (in-process or the CronJob) sends one digest per day, whichever replica runs it.
    await sql`create unique index digest_once_a_day on digest (day) where trigger = 'schedule'`.execute(db);
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('digest').execute();
    await db.schema.dropTable('delivery').execute();
    await db.schema.dropTable('webhook').execute();
  },
};
