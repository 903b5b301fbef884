import { sql, type Kysely } from 'kysely';
import type { IdempotencyBegin, IdempotencyStore, StoredResponse } from '../http/idempotency';
import type { PlatformTables } from './platform-migrations';

const retention = sql`interval '24 hours'`;

/** Idempotency keys in the service's own schema, kept 24 h. */
export function createIdempotencyStore(db: Kysely<PlatformTables>): IdempotencyStore {
  return {
    async begin(scope, key, requestHash): Promise<IdempotencyBegin> {
      // An expired key is forgotten first, so it can be used again.
      await db
        .deleteFrom('idempotency_key')
        .where('scope', '=', scope)
        .where('key', '=', key)
        .where('created_at', '<', sql<Date>`now() - ${retention}`)
        .execute();
      const inserted = await db
        .insertInto('idempotency_key')
        .values({ scope, key, request_hash: requestHash, response: null })
        .onConflict((oc) => oc.columns(['scope', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted) return { state: 'new' };
      const row = await db
        .selectFrom('idempotency_key')
        .select(['request_hash', 'response'])
        .where('scope', '=', scope)
        .where('key', '=', key)
        .executeTakeFirst();
      if (!row) return this.begin(scope, key, requestHash); // released meanwhile
      if (row.response === null) return { state: 'in-flight', requestHash: row.request_hash };
      return { state: 'done', requestHash: row.request_hash, response: row.response as StoredResponse };
    },
    async complete(scope, key, response) {
      await db
        .updateTable('idempotency_key')
        .set({ response: JSON.stringify(response) })
        .where('scope', '=', scope)
        .where('key', '=', key)
        .execute();
    },
    async abandon(scope, key) {
      await db.deleteFrom('idempotency_key').where('scope', '=', scope).where('key', '=', key).execute();
    },
  };
}

/** Deletes keys past their 24 h; run periodically by the service runtime. */
export async function pruneIdempotencyKeys(db: Kysely<PlatformTables>): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_key')
    .where('created_at', '<', sql<Date>`now() - ${retention}`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
