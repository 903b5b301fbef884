import { sql, type Kysely, type Migration } from 'kysely';

/** What the service learns from events: recipients, cases, and case activity for the digest. */
export const projections: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('user_projection')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('disabled', 'boolean', (c) => c.notNull())
      .addColumn('version_at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('case_projection')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('customer_id', 'uuid')
      .addColumn('subject', 'text')
      .addColumn('priority', 'text')
      .addColumn('created_at', 'timestamptz')
      .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('open', 'assigned', 'resolved')`))
      .addColumn('status_at', 'timestamptz', (c) => c.notNull())
      .addColumn('assignee_id', 'uuid')
      .addColumn('queued_at', 'timestamptz')
      .addColumn('assigned_at', 'timestamptz')
      .addColumn('resolved_at', 'timestamptz')
      .addColumn('resolution', 'text')
      .execute();
    await sql`create index case_projection_waiting on case_projection (queued_at) where status = 'open'`.execute(db);
    await db.schema
      .createTable('case_activity')
      .addColumn('event_id', 'text', (c) => c.primaryKey())
      .addColumn('case_id', 'uuid', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('opened', 'assigned', 'requeued', 'resolved')`))
      .addColumn('at', 'timestamptz', (c) => c.notNull())
      .execute();
    await db.schema.createIndex('case_activity_at').on('case_activity').columns(['at', 'kind']).execute();
  },
  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('case_activity').execute();
    await db.schema.dropTable('case_projection').execute();
    await db.schema.dropTable('user_projection').execute();
  },
};
