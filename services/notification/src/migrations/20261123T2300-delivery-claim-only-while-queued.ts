import { sql, type Kysely, type Migration } from 'kysely';

/**
 * A delivery carries a claim token only while it is queued: the claim stamps it on a queued row,
 * and every write that ends a delivery (sent, failed) clears it. Writing an outcome matches the
 * row by id and token alone, so the token must imply `queued`; this constraint makes it a rule
 * of the schema rather than of the code.
 */
export const claimOnlyWhileQueued: Migration = {
  async up(db: Kysely<unknown>) {
    await sql`update delivery set claim_token = null where claim_token is not null and status <> 'queued'`.execute(db);
    await sql`alter table delivery add constraint delivery_claimed_only_while_queued check (claim_token is null or status = 'queued')`.execute(
      db,
    );
  },

  async down(db: Kysely<unknown>) {
    await sql`alter table delivery drop constraint delivery_claimed_only_while_queued`.execute(db);
  },
};
