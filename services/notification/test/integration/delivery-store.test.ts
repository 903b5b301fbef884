import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { createDatabase, createLogger, migrateDown, migrateToLatest, type Database } from '@helmdesk/platform';
import { createTestDatabase, type TestDatabase } from '@helmdesk/testkit';
import { notificationMigrations } from '../../src/migrations';
import { claimDue, enqueueDeliveries, recordOutcome, recordOutcomes } from '../../src/store/deliveries';
import { recordDigest } from '../../src/store/digests';
import type { NotificationDb } from '../../src/store/schema';

jest.setTimeout(60_000);

let testDb: TestDatabase;
let database: Database<NotificationDb>;

beforeAll(async () => {
  testDb = await createTestDatabase('notif_store');
  database = createDatabase<NotificationDb>({
    url: testDb.url,
    schema: 'notifications',
    poolMax: 25,
    logger: createLogger('test', 'silent'),
  });
  await migrateToLatest(database as Database<unknown>, notificationMigrations);
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

function queueRow(id: string) {
  return database.db.selectFrom('delivery_queue').selectAll().where('delivery_id', '=', id).executeTakeFirst();
}

function mail(eventId = randomUUID(), audience = 'customer') {
  return {
    eventId,
    event: 'case.created',
    channel: 'email' as const,
    audience,
    recipient: 'someone@example.com',
    template: 'case.opened.customer',
    context: { caseId: randomUUID() },
  };
}

describe('the delivery store', () => {
  it('records one delivery per (event, channel, audience), however often it is asked to', async () => {
    const eventId = randomUUID();
    expect(await enqueueDeliveries(database.db, [mail(eventId), mail(eventId, 'agent')])).toHaveLength(2);
    expect(await enqueueDeliveries(database.db, [mail(eventId), mail(eventId, 'agent')])).toHaveLength(0);
    const rows = await database.db.selectFrom('delivery').select('audience').where('event_id', '=', eventId).execute();
    expect(rows.map((r) => r.audience).sort()).toEqual(['agent', 'customer']);
    await database.db.deleteFrom('delivery').execute();
  });

  it('when twenty workers claim at once, then no delivery is handed to two of them', async () => {
    await enqueueDeliveries(database.db, Array.from({ length: 200 }, () => mail()));
    const claims = await Promise.all(
      Array.from({ length: 20 }, () => claimDue(database.db, { limit: 15, leaseMs: 60_000, token: randomUUID() })),
    );
    const claimed = claims.flat().map((r) => r.id);
    expect(new Set(claimed).size).toBe(claimed.length);
    expect(claimed.length).toBeGreaterThanOrEqual(100);
    // Claimed rows stay with their worker while the lease lasts.
    const rest = await claimDue(database.db, { limit: 500, leaseMs: 60_000, token: randomUUID() });
    expect(rest.filter((r) => claimed.includes(r.id))).toEqual([]);
    expect(claimed.length + rest.length).toBe(200);
    await database.db.deleteFrom('delivery').execute();
  });

  it('when a worker dies mid-send, then its delivery is claimed again after the lease, and the late worker cannot record an outcome', async () => {
    const [id] = await enqueueDeliveries(database.db, [mail()]);
    const [first] = await claimDue(database.db, { limit: 1, leaseMs: 200, token: randomUUID() });
    expect(first!.id).toBe(id);
    expect(await claimDue(database.db, { limit: 1, leaseMs: 200, token: randomUUID() })).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const [second] = await claimDue(database.db, { limit: 1, leaseMs: 60_000, token: randomUUID() });
    expect(second!.id).toBe(id);
    expect(await recordOutcome(database.db, first!, { kind: 'sent' })).toBe(false);
    expect(await recordOutcome(database.db, second!, { kind: 'sent' })).toBe(true);
    const row = await database.db.selectFrom('delivery').selectAll().where('id', '=', id!).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'sent', attempts: 1 });
    expect(await queueRow(id!)).toBeUndefined();
  });

  it('writes the outcomes of several claims in one statement, each as a single write would, and none whose claim was lost', async () => {
    await database.db.deleteFrom('delivery').execute();
    await enqueueDeliveries(database.db, Array.from({ length: 5 }, () => mail()));
    const rows = await claimDue(database.db, { limit: 5, leaseMs: 60_000, token: randomUUID() });
    expect(rows).toHaveLength(5);
    const [sent, retried, failed, postponed, lost] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
    const before = Date.now();
    const written = await recordOutcomes(database.db, [
      { row: sent, outcome: { kind: 'sent', recipient: 'ada@example.com' } },
      { row: retried, outcome: { kind: 'retry', error: 'ESOCKET: reset', delayMs: 30_000, responseStatus: 503 } },
      { row: failed, outcome: { kind: 'failed', error: '550 no such user', responseStatus: null } },
      { row: postponed, outcome: { kind: 'postponed', error: 'mail server unavailable', delayMs: 2_000 } },
      { row: { ...lost, claim_token: randomUUID() }, outcome: { kind: 'sent' } },
    ]);
    expect(written).toEqual([true, true, true, true, false]);
    const byId = new Map(
      (await database.db.selectFrom('delivery').selectAll().execute()).map((r) => [r.id, r] as const),
    );
    expect(byId.get(sent.id)).toMatchObject({ status: 'sent', attempts: 1, recipient: 'ada@example.com', last_error: null });
    expect(byId.get(sent.id)!.sent_at!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    const retry = byId.get(retried.id)!;
    expect(retry).toMatchObject({ status: 'queued', attempts: 1, last_error: 'ESOCKET: reset', response_status: 503, sent_at: null });
    expect(retry.next_attempt_at.getTime() - before).toBeGreaterThan(25_000);
    expect(retry.next_attempt_at.getTime() - before).toBeLessThan(35_000);
    // The queue holds what is still to be done: the retry (claim released, due in 30 s), the
    // postponed one and the lost one (still claimed by whoever holds it now), not the ended ones.
    const queue = new Map((await database.db.selectFrom('delivery_queue').selectAll().execute()).map((q) => [q.delivery_id, q] as const));
    expect([...queue.keys()].sort()).toEqual([retried.id, postponed.id, lost.id].sort());
    expect(queue.get(retried.id)).toMatchObject({ claim_token: null, next_attempt_at: retry.next_attempt_at });
    expect(queue.get(postponed.id)!.claim_token).toBeNull();
    expect(queue.get(lost.id)!.claim_token).toBe(lost.claim_token);
    expect(byId.get(failed.id)).toMatchObject({ status: 'failed', attempts: 1, last_error: '550 no such user', response_status: null });
    const wait = byId.get(postponed.id)!;
    // Postponed: not the delivery's fault, so no attempt is used up.
    expect(wait).toMatchObject({ status: 'queued', attempts: 0, last_error: 'mail server unavailable', recipient: 'someone@example.com' });
    expect(wait.next_attempt_at.getTime() - before).toBeLessThan(10_000);
    expect(byId.get(lost.id)).toMatchObject({ status: 'queued', attempts: 0 });
    await database.db.deleteFrom('delivery').execute();
  });

  it('queues every delivery inserted as queued, by whichever statement inserts it, and nothing else', async () => {
    const [viaStore] = await enqueueDeliveries(database.db, [mail()]);
    // As the consumer's batched statement does: a plain INSERT, here two rows and one conflict.
    const eventId = randomUUID();
    const { rows } = await sql<{ id: string; status: string }>`
      insert into delivery (event_id, event, channel, audience, recipient, template, context, status)
      values (${eventId}, 'case.created', 'email', 'customer', 'a@example.com', 'case.opened.customer', '{}', 'queued'),
             (${eventId}, 'case.created', 'email', 'agent', 'b@example.com', 'case.opened.customer', '{}', 'sent')
      on conflict (event_id, channel, audience) do nothing returning id, status`.execute(database.db);
    await enqueueDeliveries(database.db, [{ ...mail(eventId), audience: 'customer' }]);
    const queued = (await database.db.selectFrom('delivery_queue').select('delivery_id').execute()).map((q) => q.delivery_id);
    expect(queued.sort()).toEqual([viaStore!, rows.find((r) => r.status === 'queued')!.id].sort());
    await database.db.deleteFrom('delivery').execute();
    expect(await database.db.selectFrom('delivery_queue').selectAll().execute()).toEqual([]);
  });

  it('writes claims and outcomes without touching an index of the delivery log, and claims without touching one of the queue: Postgres updates those rows in place (HOT)', async () => {
    // Few enough rows that their new versions fit on their page (fillfactor 70) before any pruning:
    // what is tested is that no indexed column is written; how often the page has room under
    // load is measured in the benchmark (BENCHMARKS.md).
    await enqueueDeliveries(database.db, Array.from({ length: 6 }, () => mail()));
    const counts = async (trx: Kysely<NotificationDb>, table: string) =>
      (
        await sql<{ upd: number; hot: number }>`
          select n_tup_upd::int as upd, n_tup_hot_upd::int as hot from pg_stat_xact_user_tables
           where schemaname = 'notifications' and relname = ${table}`.execute(trx)
      ).rows[0] ?? { upd: 0, hot: 0 };
    const since = (after: { upd: number; hot: number }, before: { upd: number; hot: number }) => ({
      upd: after.upd - before.upd,
      hot: after.hot - before.hot,
    });
    await database.db.transaction().execute(async (trx) => {
      // The counters also hold this connection's earlier transactions until Postgres reports them
      // (never inside a transaction): what this one did is the difference.
      const before = { log: await counts(trx, 'delivery'), queue: await counts(trx, 'delivery_queue') };
      const rows = await claimDue(trx, { limit: 6, leaseMs: 60_000, token: randomUUID() });
      expect(rows).toHaveLength(6);
      // The claim: 6 updates of queue rows, in place (the lease is not indexed).
      expect(since(await counts(trx, 'delivery_queue'), before.queue)).toEqual({ upd: 6, hot: 6 });
      const outcomes = rows.map((row, i) => ({
        row,
        outcome: [
          { kind: 'sent', recipient: 'someone@example.com' } as const,
          { kind: 'retry', error: 'ESOCKET: reset', delayMs: 1_000, responseStatus: 503 } as const,
          { kind: 'failed', error: '550 no such user' } as const,
          { kind: 'postponed', error: 'mail server unavailable', delayMs: 2_000 } as const,
        ][i % 4]!,
      }));
      expect(await recordOutcomes(trx, outcomes)).toEqual(rows.map(() => true));
      // 6 updates of the delivery log, all of them HOT; the claim updated none.
      expect(since(await counts(trx, 'delivery'), before.log)).toEqual({ upd: 6, hot: 6 });
    });
    await database.db.deleteFrom('delivery').execute();
  });

  it('records a day\'s scheduled digest once, also when Postgres runs the prepared statement with a generic plan', async () => {
    // One connection forced to generic plans: what Postgres may choose after five executions of a
    // prepared statement. A parameter in the ON CONFLICT predicate could not match the partial
    // unique index then ("no unique or exclusion constraint matching").
    const single = createDatabase<NotificationDb>({ url: testDb.url, schema: 'notifications', poolMax: 1, logger: createLogger('test', 'silent') });
    try {
      await sql`set plan_cache_mode = force_generic_plan`.execute(single.db);
      expect(await recordDigest(single.db, '2026-11-20', 'schedule')).toEqual(expect.any(String));
      expect(await recordDigest(single.db, '2026-11-20', 'schedule')).toBeNull();
      expect(await recordDigest(single.db, '2026-11-20', 'manual')).toEqual(expect.any(String));
    } finally {
      await single.close();
    }
  });

  it('migrates down and up again with data in every table', async () => {
    await sql`insert into user_projection values (${randomUUID()}, 'a@example.com', 'A', 'customer', false, now())`.execute(database.db);
    await sql`insert into webhook (url, events, secret) values ('https://example.com', '{case.created}', 'whsec_x')`.execute(database.db);
    await sql`insert into digest (day, trigger) values ('2026-11-11', 'schedule')`.execute(database.db);
    for (let i = 0; i < Object.keys(notificationMigrations).length; i++) {
      await migrateDown(database as Database<unknown>, notificationMigrations);
    }
    const { rows } = await sql<{ name: string }>`
      select table_name as name from information_schema.tables where table_schema = 'notifications' order by 1`.execute(database.db);
    expect(rows.map((r) => r.name)).toEqual(['idempotency_key', 'kysely_migration', 'kysely_migration_lock', 'outbox', 'processed_event']);
    await migrateToLatest(database as Database<unknown>, notificationMigrations);
    const templates = await database.db.selectFrom('template').select('key').execute();
    expect(templates).toHaveLength(5);
  });
});
