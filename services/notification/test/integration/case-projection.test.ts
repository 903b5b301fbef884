import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { buildEvent, createDatabase, createLogger, migrateToLatest, type Database } from '@helmdesk/platform';
import { createTestDatabase, type TestDatabase } from '@helmdesk/testkit';
import { applyCaseEvents, caseMails, type CaseEventWrites } from '../../src/events/enqueue-mails';
import { notificationMigrations } from '../../src/migrations';
import { caseOpened, statusChanged, type StatusChange } from '../../src/store/cases';
import type { NotificationDb } from '../../src/store/schema';

// The case-event statement (applyCaseEvents) on its own database, without a running service:
// what the projections hold after events in and out of order, and which mails they plan.

jest.setTimeout(60_000);

let testDb: TestDatabase;
let database: Database<NotificationDb>;

beforeAll(async () => {
  testDb = await createTestDatabase('notif_projection');
  database = createDatabase<NotificationDb>({ url: testDb.url, schema: 'notifications', logger: createLogger('test', 'silent') });
  await migrateToLatest(database as Database<unknown>, notificationMigrations);
});

afterAll(async () => {
  await database?.close();
  await testDb?.drop();
});

const t0 = Date.parse('2026-11-24T09:00:00.000Z');
const at = (seconds: number) => new Date(t0 + seconds * 1000);

function opened(caseId: string, customerId: string, seconds = 0): CaseEventWrites {
  const event = buildEvent('/helmdesk/case', {
    type: 'case.created',
    subject: caseId,
    data: { caseId, customerId, subject: `Case ${caseId.slice(0, 4)}`, priority: 'high', createdAt: at(seconds).toISOString() },
  });
  return {
    caseId,
    projection: caseOpened({ caseId, customerId, subject: event.data.subject, priority: 'high', createdAt: at(seconds) }, { eventId: event.id, kind: 'opened' }),
    mails: caseMails(event, { caseId }, customerId),
  };
}

function assigned(caseId: string, agentId: string, seconds: number): CaseEventWrites {
  const assignedAt = at(seconds).toISOString();
  const event = buildEvent('/helmdesk/agent', { type: 'case.assigned', subject: caseId, data: { caseId, agentId, how: 'auto', assignedAt } });
  return {
    caseId,
    projection: statusChanged({ caseId, status: 'assigned', at: at(seconds), assigneeId: agentId, assignedAt: at(seconds) }, { eventId: event.id, kind: 'assigned' }),
    mails: caseMails(event, { caseId, agentId, assignedAt }, null),
  };
}

function change(caseId: string, s: Omit<StatusChange, 'caseId'>, kind: 'requeued' | 'resolved'): CaseEventWrites {
  return { caseId, projection: statusChanged({ caseId, ...s }, { eventId: randomUUID(), kind }), mails: [] };
}

async function apply(...events: CaseEventWrites[]): Promise<void> {
  await database.db.transaction().execute((trx) => applyCaseEvents(trx, events));
}

async function projection(caseId: string) {
  return database.db
    .selectFrom('case_projection')
    .select(['customer_id', 'subject', 'priority', 'created_at', 'status', 'status_at', 'assignee_id', 'queued_at', 'assigned_at', 'resolved_at', 'resolution'])
    .where('id', '=', caseId)
    .executeTakeFirstOrThrow();
}

describe('the case projection written from case events', () => {
  it('when case.created comes after the assignment, then the case gets its content and keeps the later status', async () => {
    const [caseId, customer, agent] = [randomUUID(), randomUUID(), randomUUID()];
    await apply(assigned(caseId, agent, 5));
    expect(await projection(caseId)).toMatchObject({ customer_id: null, subject: null, status: 'assigned', assignee_id: agent, queued_at: null });
    await apply(opened(caseId, customer, 0));
    expect(await projection(caseId)).toEqual({
      customer_id: customer,
      subject: `Case ${caseId.slice(0, 4)}`,
      priority: 'high',
      created_at: at(0),
      status: 'assigned',
      status_at: at(5),
      assignee_id: agent,
      queued_at: at(0),
      assigned_at: at(5),
      resolved_at: null,
      resolution: null,
    });
  });

  it('when a status change older than the one held arrives, then it changes nothing', async () => {
    const [caseId, customer, agent, other] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await apply(opened(caseId, customer, 0));
    await apply(change(caseId, { status: 'resolved', at: at(9), assigneeId: agent, resolvedAt: at(9), resolution: 'Rebooted' }, 'resolved'));
    await apply(assigned(caseId, other, 4));
    expect(await projection(caseId)).toMatchObject({ status: 'resolved', status_at: at(9), assignee_id: agent, assigned_at: null, resolved_at: at(9), resolution: 'Rebooted' });
  });

  it('when a case is requeued, then it waits from its original place and keeps when it was assigned', async () => {
    const [caseId, customer, agent] = [randomUUID(), randomUUID(), randomUUID()];
    await apply(opened(caseId, customer, 0));
    await apply(assigned(caseId, agent, 3));
    await apply(change(caseId, { status: 'open', at: at(7), assigneeId: null, queuedAt: at(0) }, 'requeued'));
    expect(await projection(caseId)).toMatchObject({ status: 'open', status_at: at(7), assignee_id: null, queued_at: at(0), assigned_at: at(3), resolved_at: null });
    const kinds = await database.db.selectFrom('case_activity').select('kind').where('case_id', '=', caseId).orderBy('at').execute();
    expect(kinds.map((k) => k.kind)).toEqual(['opened', 'assigned', 'requeued']);
  });

  it('when one batch holds several events of several cases, then each case ends in the state of its last event, each event with its activity and mails once', async () => {
    const [a, b, customer, first, second] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await database.db.insertInto('user_projection').values({ id: customer, email: 'batch@example.com', name: 'Batch', role: 'customer', disabled: false, version_at: at(0) }).execute();
    const batch = [opened(a, customer), opened(b, customer), assigned(a, first, 1), assigned(b, second, 1), assigned(a, second, 2)];
    await apply(...batch);
    await apply(...batch); // the same events again: nothing more
    expect(await projection(a)).toMatchObject({ subject: `Case ${a.slice(0, 4)}`, status: 'assigned', assignee_id: second, assigned_at: at(2) });
    expect(await projection(b)).toMatchObject({ subject: `Case ${b.slice(0, 4)}`, status: 'assigned', assignee_id: second, assigned_at: at(1) });
    const activity = await database.db.selectFrom('case_activity').select('event_id').where('case_id', 'in', [a, b]).execute();
    expect(activity).toHaveLength(5);
    const mails = await database.db
      .selectFrom('delivery')
      .select(['event_id', 'audience', 'recipient', 'recipient_user_id', 'template', 'context'])
      .where('event_id', 'in', batch.map((e) => e.projection.event_id))
      .execute();
    const line = (m: (typeof mails)[number]) => `${batch.findIndex((e) => e.projection.event_id === m.event_id)} ${m.template} ${m.recipient}`;
    expect(mails.map(line).sort()).toEqual(
      [
        `0 case.opened.customer batch@example.com`,
        `1 case.opened.customer batch@example.com`,
        // The assignments' customer comes from the projection that case.created wrote before.
        `2 case.assigned.customer batch@example.com`,
        `2 case.assigned.agent user ${first}`,
        `3 case.assigned.customer batch@example.com`,
        `3 case.assigned.agent user ${second}`,
        `4 case.assigned.customer batch@example.com`,
        `4 case.assigned.agent user ${second}`,
      ].sort(),
    );
    const agentMail = mails.find((m) => m.event_id === batch[4]!.projection.event_id && m.audience === 'agent')!;
    expect(agentMail).toMatchObject({ recipient_user_id: second, context: { caseId: a, agentId: second, assignedAt: at(2).toISOString() } });
    const queued = await sql<{ n: number }>`select count(*)::int as n from delivery_queue q join delivery d on d.id = q.delivery_id where d.event_id = any(${batch.map((e) => e.projection.event_id)})`.execute(
      database.db,
    );
    expect(queued.rows[0]!.n).toBe(8);
  });

  it('when the customer of an assignment is not known yet, then its mail names the case until it is', async () => {
    const [caseId, agent] = [randomUUID(), randomUUID()];
    const event = assigned(caseId, agent, 1);
    await apply(event);
    const mail = await database.db.selectFrom('delivery').select(['recipient', 'recipient_user_id']).where('event_id', '=', event.projection.event_id).where('audience', '=', 'customer').executeTakeFirstOrThrow();
    expect(mail).toEqual({ recipient: `customer of case ${caseId}`, recipient_user_id: null });
  });
});
