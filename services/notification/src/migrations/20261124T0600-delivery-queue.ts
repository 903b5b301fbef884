import { sql, type Kysely, type Migration } from 'kysely';

/**
 * The deliveries still to be made move to a queue table of their own (ADR 0029). A claim then
 * does not write the delivery log, and an outcome writes none of its indexed columns (`recipient`
 * only when the address changed), so Postgres updates its rows in place (HOT) instead of adding an
 * entry to each of its six indexes for every claim and every outcome; the due time and the claim's lease live in the small queue row. The lease is a column
 * of its own, not indexed, so a claim updates the queue row in place too.
 *
 * A queue row is made by a statement-level trigger for every delivery inserted as `queued`,
 * whichever statement inserts it (the consumer's batched CTEs cannot insert into a second table
 * from the rows a sibling CTE inserts). The outcome of the last attempt deletes it.
 */
export const deliveryQueue: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`
      create table delivery_queue (
        delivery_id uuid primary key references delivery (id) on delete cascade,
        seq bigint not null,
        next_attempt_at timestamptz not null,
        leased_until timestamptz,
        claim_token uuid
      ) with (fillfactor = 50)`.execute(db);
    // A claimed row's lease was its next_attempt_at; it stays due then.
    await sql`
      insert into delivery_queue (delivery_id, seq, next_attempt_at, claim_token)
      select id, seq, next_attempt_at, claim_token from delivery where status = 'queued'`.execute(db);
    await sql`create index delivery_queue_due on delivery_queue (next_attempt_at, seq)`.execute(db);
    await sql`
      create function delivery_enqueue() returns trigger language plpgsql
      set search_path from current as $$
      begin
        insert into delivery_queue (delivery_id, seq, next_attempt_at)
        select id, seq, next_attempt_at from new_deliveries where status = 'queued';
        return null;
      end $$`.execute(db);
    await sql`
      create trigger delivery_enqueue after insert on delivery
      referencing new table as new_deliveries for each statement execute function delivery_enqueue()`.execute(db);
    await sql`alter table delivery drop constraint delivery_claimed_only_while_queued`.execute(db);
    await sql`drop index delivery_due`.execute(db);
    await sql`alter table delivery drop column claim_token`.execute(db);
    // Room on each page for a row's new version: an update in place needs it on the same page.
    await sql`alter table delivery set (fillfactor = 70)`.execute(db);
  },

  async down(db: Kysely<unknown>) {
    await sql`alter table delivery reset (fillfactor)`.execute(db);
    await sql`alter table delivery add column claim_token uuid`.execute(db);
    await sql`
      update delivery d
         set claim_token = q.claim_token,
             next_attempt_at = greatest(q.next_attempt_at, coalesce(q.leased_until, q.next_attempt_at))
        from delivery_queue q where q.delivery_id = d.id`.execute(db);
    await sql`create index delivery_due on delivery (next_attempt_at) where status = 'queued'`.execute(db);
    await sql`alter table delivery add constraint delivery_claimed_only_while_queued check (claim_token is null or status = 'queued')`.execute(
      db,
    );
    await sql`drop trigger delivery_enqueue on delivery`.execute(db);
    await sql`drop function delivery_enqueue()`.execute(db);
    await sql`drop table delivery_queue`.execute(db);
  },
};
