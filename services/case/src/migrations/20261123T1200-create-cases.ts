import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The case record, its comments and its history. Times are `timestamptz(3)` (milliseconds):
 * exactly what a JavaScript Date and an RFC 3339 string carry, so list cursors built from them
 * compare equal to the stored values.
 */
export const createCases: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('cases')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('subject', 'text', (c) => c.notNull().check(sql`char_length(subject) between 1 and 200`))
      .addColumn('description', 'text', (c) => c.notNull().check(sql`char_length(description) between 1 and 10000`))
      .addColumn('priority', 'text', (c) => c.notNull().check(sql`priority in ('low', 'normal', 'high', 'urgent')`))
      .addColumn('status', 'text', (c) =>
        c.notNull().defaultTo('open').check(sql`status in ('open', 'assigned', 'resolved')`),
      )
      .addColumn('customer_id', 'uuid', (c) => c.notNull())
      .addColumn('assignee_id', 'uuid')
      .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('assigned_at', 'timestamptz(3)')
      .addColumn('resolved_at', 'timestamptz(3)')
      .addColumn('resolution', 'text')
      // When the agent-service event that set the current status happened (null: none yet).
      // Events arrive out of order across topics; this decides which one is newer.
      .addColumn('status_at', 'timestamptz(3)')
      .execute();
    // The list queries: newest first overall (admin), per customer, per assignee, per status.
    await sql`create index cases_newest on cases (created_at desc, id desc)`.execute(db);
    await sql`create index cases_by_customer on cases (customer_id, created_at desc, id desc)`.execute(db);
    await sql`create index cases_by_assignee on cases (assignee_id, created_at desc, id desc)
              where assignee_id is not null`.execute(db);
    await sql`create index cases_by_status on cases (status, created_at desc, id desc)`.execute(db);

    await db.schema
      .createTable('comments')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      // Insertion order: comments are listed oldest first by it.
      .addColumn('seq', 'bigserial', (c) => c.notNull().unique())
      .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
      .addColumn('author_id', 'uuid', (c) => c.notNull())
      .addColumn('author_role', 'text', (c) => c.notNull().check(sql`author_role in ('customer', 'agent', 'admin')`))
      .addColumn('body', 'text', (c) => c.notNull().check(sql`char_length(body) between 1 and 10000`))
      .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await sql`create index comments_of_case on comments (case_id, seq)`.execute(db);

    await db.schema
      .createTable('history')
      .addColumn('seq', 'bigserial', (c) => c.primaryKey())
      .addColumn('case_id', 'uuid', (c) => c.notNull().references('cases.id').onDelete('cascade'))
      .addColumn('type', 'text', (c) =>
        c
          .notNull()
          .check(sql`type in ('case.created', 'case.assigned', 'case.commented', 'case.requeued', 'case.resolved')`),
      )
      .addColumn('at', 'timestamptz(3)', (c) => c.notNull())
      .addColumn('actor_id', 'uuid')
      .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
      // The event this entry records (null for comments): a redelivered event is not written twice.
      .addColumn('event_id', 'text', (c) => c.unique())
      .addColumn('recorded_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await sql`create index history_of_case on history (case_id, at, seq)`.execute(db);
  },

  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('history').execute();
    await db.schema.dropTable('comments').execute();
    await db.schema.dropTable('cases').execute();
  },
};
