import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Users, refresh-token families and tokens, and sign-in failures. Times are `timestamptz(3)`
 * (what a JavaScript Date and the list cursors carry).
 */
export const createAuth: Migration = {
  async up(db: Kysely<unknown>) {
    await db.schema
      .createTable('users')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      // As given (trimmed); unique regardless of case through users_email_key below.
      .addColumn('email', 'text', (c) => c.notNull().check(sql`char_length(email) between 3 and 254`))
      .addColumn('name', 'text', (c) => c.notNull().check(sql`char_length(name) between 1 and 200`))
      .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('customer', 'agent', 'admin')`))
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('disabled', 'boolean', (c) => c.notNull().defaultTo(false))
      .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('updated_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await sql`create unique index users_email_key on users (lower(email))`.execute(db);
    // The admin list: newest first, overall and per role.
    await sql`create index users_newest on users (created_at desc, id desc)`.execute(db);
    await sql`create index users_by_role on users (role, created_at desc, id desc)`.execute(db);

    // A family is one sign-in: every refresh token rotated from it. Revoking it ends the session.
    await db.schema
      .createTable('refresh_families')
      .addColumn('id', 'uuid', (c) => c.primaryKey())
      .addColumn('user_id', 'uuid', (c) => c.notNull().references('users.id').onDelete('cascade'))
      .addColumn('created_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('revoked_at', 'timestamptz(3)')
      .addColumn('revoked_reason', 'text', (c) =>
        c.check(sql`revoked_reason in ('logout', 'reuse', 'disabled', 'admin')`),
      )
      .execute();
    await sql`create index refresh_families_live_of_user on refresh_families (user_id) where revoked_at is null`.execute(db);

    // Only the SHA-256 of a token is stored: a database leak gives no usable refresh token.
    await db.schema
      .createTable('refresh_tokens')
      .addColumn('token_hash', 'bytea', (c) => c.primaryKey())
      .addColumn('family_id', 'uuid', (c) => c.notNull().references('refresh_families.id').onDelete('cascade'))
      .addColumn('issued_at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .addColumn('expires_at', 'timestamptz(3)', (c) => c.notNull())
      // Set when rotated: presenting it again is reuse.
      .addColumn('spent_at', 'timestamptz(3)')
      .execute();
    await sql`create index refresh_tokens_of_family on refresh_tokens (family_id, expires_at)`.execute(db);

    // One row per sign-in attempt in flight or failed (a success deletes its row): counted per
    // account and per client address over the window, on the database clock, across replicas.
    await db.schema
      .createTable('login_attempts')
      .addColumn('id', 'bigserial', (c) => c.primaryKey())
      .addColumn('account', 'text', (c) => c.notNull())
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('at', 'timestamptz(3)', (c) => c.notNull().defaultTo(sql`now()`))
      .execute();
    await sql`create index login_attempts_by_account on login_attempts (account, at)`.execute(db);
    await sql`create index login_attempts_by_address on login_attempts (address, at)`.execute(db);
    await sql`create index login_attempts_by_time on login_attempts (at)`.execute(db);
  },

  async down(db: Kysely<unknown>) {
    await db.schema.dropTable('login_attempts').execute();
    await db.schema.dropTable('refresh_tokens').execute();
    await db.schema.dropTable('refresh_families').execute();
    await db.schema.dropTable('users').execute();
  },
};
