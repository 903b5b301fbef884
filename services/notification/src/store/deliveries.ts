import { sql, type Kysely, type Selectable } from 'kysely';
import type { DeliveryChannel, DeliveryStatus, DeliveryTable, NotificationDb } from './schema';

type Db = Kysely<NotificationDb>;
export type DeliveryRow = Selectable<DeliveryTable>;
/** A delivery as a worker claimed it: the token makes its outcome count only while the claim holds. */
export type ClaimedDelivery = DeliveryRow & { claim_token: string };

export interface NewDelivery {
  eventId: string;
  event: string;
  channel: DeliveryChannel;
  audience: string;
  recipient: string;
  recipientUserId?: string | null;
  webhookId?: string | null;
  template?: string | null;
  context: Record<string, unknown>;
}

/**
 * Records side effects to perform. (event_id, channel, audience) is unique: the same event seen
 * again adds nothing. Returns the ids of the new rows; each is queued by the table's trigger.
 */
export async function enqueueDeliveries(db: Db, deliveries: NewDelivery[]): Promise<string[]> {
  if (deliveries.length === 0) return [];
  const rows = await db
    .insertInto('delivery')
    .values(
      deliveries.map((d) => ({
        event_id: d.eventId,
        event: d.event,
        channel: d.channel,
        audience: d.audience,
        recipient: d.recipient,
        recipient_user_id: d.recipientUserId ?? null,
        webhook_id: d.webhookId ?? null,
        template: d.template ?? null,
        context: JSON.stringify(d.context),
        last_error: null,
        response_status: null,
        sent_at: null,
      })),
    )
    .onConflict((oc) => oc.columns(['event_id', 'channel', 'audience']).doNothing())
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}

export interface ClaimOptions {
  limit: number;
  /** How long the claim holds: longer than a send can take, so nobody else takes the row meanwhile. */
  leaseMs: number;
  token: string;
  /** Only this delivery (the digest CLI). */
  id?: string;
}

/**
 * Claims due deliveries for this worker: `FOR UPDATE SKIP LOCKED` lets replicas claim disjoint
 * queue rows concurrently; the claim sets the queue row's `leased_until` and stamps
 * `claim_token`, so the row stays this worker's after the statement commits. A worker that dies
 * mid-send leaves the row to be claimed again when the lease ends. Neither column is indexed, so
 * the claim updates the queue row in place (HOT); the rows under lease are few (the sends in
 * flight) and skipped by the scan of the due index. The delivery rows themselves are only read.
 */
export async function claimDue(db: Db, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  const onlyThis = options.id ? sql`and delivery_id = ${options.id}` : sql``;
  const result = await sql<ClaimedDelivery>`
    with claimed as (
      update delivery_queue q
         set leased_until = now() + make_interval(secs => ${options.leaseMs / 1000}),
             claim_token = ${options.token}
        from (select delivery_id from delivery_queue
               where next_attempt_at <= now() and (leased_until is null or leased_until <= now()) ${onlyThis}
               order by next_attempt_at, seq
               limit ${options.limit}
               for update skip locked) due
       where q.delivery_id = due.delivery_id
      returning q.delivery_id, q.claim_token)
    select d.*, c.claim_token from delivery d join claimed c on c.delivery_id = d.id
     order by d.seq`.execute(db);
  return result.rows;
}

/** The outcome of one attempt. */
export type Outcome =
  | { kind: 'sent'; responseStatus?: number | null; recipient?: string }
  | { kind: 'retry'; error: string; delayMs: number; responseStatus?: number | null; recipient?: string }
  | { kind: 'failed'; error: string; responseStatus?: number | null; recipient?: string }
  /**
   * Not the delivery's fault — the mail server is down, or the recipient is not known yet: try
   * again later without using up an attempt.
   */
  | { kind: 'postponed'; error: string; delayMs: number; recipient?: string };

/** One attempt's outcome for a claimed delivery. */
export interface ClaimedOutcome {
  row: ClaimedDelivery;
  outcome: Outcome;
}

/**
 * Writes outcomes, each only while its claim is still ours, in one statement however many there
 * are. Returns, per outcome in order, whether it was written (false: the claim was lost).
 *
 * The claim is checked on the queue row (id and token). A delivery that ends (sent, failed)
 * leaves the queue; one to be tried again gets its next time there and its claim released. The
 * delivery row is then updated in place (HOT): none of the columns written is indexed, nor
 * `recipient` when it stays the same (ADR 0029).
 */
export async function recordOutcomes(db: Db, outcomes: ClaimedOutcome[]): Promise<boolean[]> {
  if (outcomes.length === 0) return [];
  const column = <V>(pick: (o: ClaimedOutcome) => V): V[] => outcomes.map(pick);
  const errorOf = ({ outcome }: ClaimedOutcome) => (outcome.kind === 'sent' ? null : outcome.error);
  const result = await sql<{ id: string }>`
    with v as (
      select * from unnest(${column((o) => o.row.id)}::uuid[],
                           ${column((o) => o.row.claim_token)}::uuid[],
                           ${column(({ row, outcome }) => (outcome.kind === 'postponed' ? row.attempts : row.attempts + 1))}::int[],
                           ${column(({ outcome }) => (outcome.kind === 'sent' || outcome.kind === 'failed' ? outcome.kind : 'queued'))}::text[],
                           ${column(({ outcome }) => outcome.recipient || null)}::text[],
                           ${column(({ outcome }) => 'responseStatus' in outcome && outcome.responseStatus !== undefined)}::bool[],
                           ${column(({ outcome }) => ('responseStatus' in outcome ? (outcome.responseStatus ?? null) : null))}::int[],
                           ${column(({ outcome }) => (outcome.kind === 'sent' ? new Date() : null))}::timestamptz[],
                           ${column(errorOf)}::text[],
                           ${column(({ outcome }) => ('delayMs' in outcome ? outcome.delayMs : null))}::float8[])
        as v(id, claim_token, attempts, status, recipient, has_response_status, response_status, sent_at, last_error, delay_ms)),
    ended as (
      delete from delivery_queue q using v
       where q.delivery_id = v.id and q.claim_token = v.claim_token and v.status <> 'queued'
      returning q.delivery_id, null::timestamptz as next_attempt_at),
    again as (
      update delivery_queue q
         set claim_token = null, leased_until = null, next_attempt_at = now() + make_interval(secs => v.delay_ms / 1000)
        from v
       where q.delivery_id = v.id and q.claim_token = v.claim_token and v.status = 'queued'
      returning q.delivery_id, q.next_attempt_at),
    ours as (select * from ended union all select * from again)
    update delivery d
       set attempts = v.attempts,
           status = v.status,
           recipient = coalesce(v.recipient, d.recipient),
           response_status = case when v.has_response_status then v.response_status else d.response_status end,
           sent_at = coalesce(v.sent_at, d.sent_at),
           last_error = coalesce(v.last_error, d.last_error),
           next_attempt_at = coalesce(ours.next_attempt_at, d.next_attempt_at)
      from v join ours on ours.delivery_id = v.id
     where d.id = v.id
    returning d.id`.execute(db);
  const written = new Set(result.rows.map((r) => r.id));
  return outcomes.map((o) => written.has(o.row.id));
}

/** The outcome of one attempt, written only while the claim is still ours. */
export async function recordOutcome(db: Db, row: ClaimedDelivery, outcome: Outcome): Promise<boolean> {
  const [written] = await recordOutcomes(db, [{ row, outcome }]);
  return written!;
}

export async function findDelivery(db: Db, id: string): Promise<DeliveryRow | undefined> {
  return db.selectFrom('delivery').selectAll().where('id', '=', id).executeTakeFirst();
}

export interface DeliveryFilter {
  recipient?: string;
  status?: DeliveryStatus;
  channel?: DeliveryChannel;
  event?: string;
  from?: Date;
  to?: Date;
  webhookId?: string;
}

/** The delivery log, newest first, continuing below `beforeSeq`. */
export async function listDeliveries(
  db: Db,
  filter: DeliveryFilter,
  beforeSeq: number | undefined,
  limit: number,
): Promise<DeliveryRow[]> {
  let query = db.selectFrom('delivery').selectAll().orderBy('seq', 'desc').limit(limit + 1);
  if (filter.recipient !== undefined) query = query.where(sql<string>`lower(recipient)`, '=', filter.recipient.toLowerCase());
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.channel !== undefined) query = query.where('channel', '=', filter.channel);
  if (filter.event !== undefined) query = query.where('event', '=', filter.event);
  if (filter.from !== undefined) query = query.where('created_at', '>=', filter.from);
  if (filter.to !== undefined) query = query.where('created_at', '<', filter.to);
  if (filter.webhookId !== undefined) query = query.where('webhook_id', '=', filter.webhookId);
  if (beforeSeq !== undefined) query = query.where('seq', '<', beforeSeq);
  return query.execute();
}

/** Deliveries not finished yet (due now or waiting for a retry): the backlog metric. */
export async function queuedCount(db: Db): Promise<number> {
  const row = await db.selectFrom('delivery_queue').select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}
