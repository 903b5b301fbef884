import { sql, type Kysely } from 'kysely';
import type { DigestTable, NotificationDb } from './schema';

type Db = Kysely<NotificationDb>;

/**
 * Records a digest about to be sent. A scheduled one is recorded at most once per day (unique
 * index): returns null when that day's scheduled digest exists already.
 */
export async function recordDigest(db: Db, day: string, trigger: DigestTable['trigger']): Promise<string | null> {
  const row = await db
    .insertInto('digest')
    .values({ day, trigger })
    // The partial index's predicate as a literal: with a parameter, a generic plan of this
    // prepared statement could not match it to the index (ADR 0023).
    .onConflict((oc) => oc.column('day').where(sql<boolean>`trigger = 'schedule'`).doNothing())
    .returning('id')
    .executeTakeFirst();
  return row?.id ?? null;
}
