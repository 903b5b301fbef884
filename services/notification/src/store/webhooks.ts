import { sql, type Kysely, type Selectable } from 'kysely';
import type { NotificationDb, WebhookTable } from './schema';

type Db = Kysely<NotificationDb>;
export type WebhookRow = Selectable<WebhookTable>;

export async function insertWebhook(db: Db, w: { url: string; events: string[]; secret: string }): Promise<WebhookRow> {
  return db
    .insertInto('webhook')
    .values({ url: w.url, events: w.events, secret: w.secret, disabled_at: null, disabled_reason: null, deleted_at: null })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Registered (not deleted) webhooks, oldest first. */
export async function listWebhooks(db: Db, afterSeq: string | undefined, limit: number): Promise<WebhookRow[]> {
  let query = db
    .selectFrom('webhook')
    .selectAll()
    .where('deleted_at', 'is', null)
    .orderBy('created_at')
    .orderBy('id')
    .limit(limit + 1);
  if (afterSeq !== undefined) {
    query = query.where((eb) =>
      eb(
        eb.refTuple('created_at', 'id'),
        '>',
        eb.selectFrom('webhook as w').select(['w.created_at', 'w.id']).where('w.id', '=', afterSeq).$asTuple('created_at', 'id'),
      ),
    );
  }
  return query.execute();
}

export async function findWebhook(db: Db, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhook').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

/** Webhooks that want events of `topic` now. */
export async function subscribedWebhooks(db: Db, topic: string): Promise<WebhookRow[]> {
  return db
    .selectFrom('webhook')
    .selectAll()
    .where('enabled', '=', true)
    .where('deleted_at', 'is', null)
    .where(sql<boolean>`events @> array[${topic}]::text[]`)
    .execute();
}

/** Deletes a webhook (kept for its delivery log); its queued deliveries end failed. False if unknown. */
export async function deleteWebhook(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const deleted = await trx
      .updateTable('webhook')
      .set({ deleted_at: new Date(), enabled: false })
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!deleted) return false;
    await failQueued(trx, id, 'webhook deleted');
    return true;
  });
}

/**
 * Ends the webhook's queued deliveries failed, claimed ones included: their claim is gone with
 * the queue row, so a send in flight cannot record an outcome afterwards.
 */
async function failQueued(db: Db, webhookId: string, reason: string): Promise<void> {
  await sql`
    with failed as (
      update delivery set status = 'failed', last_error = ${reason}
       where webhook_id = ${webhookId} and status = 'queued'
      returning id)
    delete from delivery_queue q using failed where q.delivery_id = failed.id`.execute(db);
}

/** A delivery succeeded: the failure streak ends. */
export async function recordWebhookSuccess(db: Db, id: string): Promise<void> {
  await db.updateTable('webhook').set({ consecutive_failures: 0 }).where('id', '=', id).execute();
}

/**
 * A delivery ended failed: the streak grows, and at `disableAfter` the webhook is disabled and its
 * other queued deliveries end failed. Returns true when this disabled it.
 */
export async function recordWebhookFailure(db: Db, id: string, disableAfter: number): Promise<boolean> {
  const row = await db
    .updateTable('webhook')
    .set((eb) => ({ consecutive_failures: eb('consecutive_failures', '+', 1) }))
    .where('id', '=', id)
    .returning(['consecutive_failures', 'enabled'])
    .executeTakeFirst();
  if (!row || !row.enabled || row.consecutive_failures < disableAfter) return false;
  const reason = `disabled after ${row.consecutive_failures} consecutive failed deliveries`;
  await db
    .updateTable('webhook')
    .set({ enabled: false, disabled_at: new Date(), disabled_reason: reason })
    .where('id', '=', id)
    .execute();
  await failQueued(db, id, `webhook ${reason}`);
  return true;
}
