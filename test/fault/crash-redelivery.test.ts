import { eventually } from '@helmdesk/testkit';
import {
  alive,
  allPages,
  countBy,
  createAgent,
  mailsSince,
  recordFigures,
  registerCustomer,
  serviceLog,
  sleep,
  startFaultPlatform,
  waitExit,
  type Account,
  type FaultPlatform,
} from './support';

/**
 * The two crash windows of at-least-once delivery, hit on purpose with HELMDESK_FAULT_INJECTION:
 * the relay dies after the broker acked a batch but before marking it published (the event goes
 * out twice), and a consumer dies after its transaction committed but before the offset commit
 * (the event is delivered to it again). Either way every consumer applies the event once.
 */
jest.setTimeout(240_000);

let fx: FaultPlatform;
let alice: Account;
let carol: Account;
const started = Date.now();
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  fx = await startFaultPlatform('crash');
  alice = await createAgent(fx, 'alice', { capacity: 10 });
  carol = await registerCustomer(fx, 'carol');
});

afterAll(async () => {
  recordFigures('crash-redelivery', figures);
  await fx?.stop();
});

/** The case.created messages on Kafka for a case (keyed by the case id). */
const published = (type: string, caseId: string) => fx.events.on(type).filter((m) => m.key === caseId);

/** Finds the case a customer opened by its subject (the create's answer may be lost in a crash). */
async function caseBySubject(customer: Account, subject: string): Promise<string> {
  return eventually(
    async () => {
      const res = await customer.client.get('/api/v1/cases?limit=100');
      return res.status === 200 ? (res.body.items.find((c: any) => c.subject === subject)?.id as string | undefined) : undefined;
    },
    { what: `the case "${subject}"`, timeoutMs: 30_000, intervalMs: 200 },
  );
}

async function expectAssignedOnce(caseId: string, agentId: string) {
  const assigned = await eventually(
    async () => {
      const c = await carol.client.get(`/api/v1/cases/${caseId}`);
      return c.body.status === 'assigned' ? c.body : undefined;
    },
    { what: 'the case assigned', timeoutMs: 60_000, intervalMs: 200 },
  );
  expect(assigned.assigneeId).toBe(agentId);
  await sleep(2_000); // time for a second assignment, were there one
  const active = (await allPages(fx.admin, '/api/v1/assignments?state=active')).filter((a) => a.caseId === caseId);
  expect(active).toHaveLength(1);
  const queue = (await allPages(fx.admin, '/api/v1/queue')).filter((q) => q.caseId === caseId);
  expect(queue).toHaveLength(0);
  expect(published('case.assigned', caseId)).toHaveLength(1);
  const history = (await carol.client.get(`/api/v1/cases/${caseId}/history`)).body.items.map((h: any) => h.type);
  expect(history).toEqual(['case.created', 'case.assigned']);
}

/** One mail per (recipient, subject) for this case: the customer's two, the agent's one. */
async function expectMailedOnce(subject: string) {
  const mine = () => mailsSince(started).filter((m) => m.subject.includes(subject));
  await eventually(() => mine().length >= 3, { what: `three mails about "${subject}"`, timeoutMs: 60_000, intervalMs: 250 });
  await sleep(2_000);
  const mails = mine();
  const perRecipient = countBy(mails, (m) => m.to);
  expect(perRecipient.get(carol.email.toLowerCase())).toBe(2);
  expect(perRecipient.get(alice.email.toLowerCase())).toBe(1);
  expect([...countBy(mails, (m) => `${m.to}|${m.subject}`).values()].every((n) => n === 1)).toBe(true);
}

describe('the case relay killed after the broker acked, before marking the batch published', () => {
  it('publishes case.created twice with one event id, and the agent queues, assigns and mails it once', async () => {
    const exitCode = await fx.platform.kill('case');
    expect(exitCode).toBe(0);
    fx.platform.start('case', { HELMDESK_FAULT_INJECTION: 'relay-exit-after-send' });
    await fx.platform.waitServiceReady('case');
    const faulty = fx.platform.pid('case');

    const subject = `relay crash ${fx.run}`;
    // The answer may or may not arrive: the process kills itself as soon as the relay sent.
    await carol.client.post('/api/v1/cases', { subject, description: 'The relay dies after the send.' }).catch(() => undefined);
    await waitExit(faulty, 'the case service');
    // It died of a signal (its own SIGKILL), not by exiting: kill() of a dead child tells how.
    expect(await fx.platform.kill('case')).toBeNull();

    fx.platform.start('case', { HELMDESK_FAULT_INJECTION: '' });
    await fx.platform.waitServiceReady('case');
    const caseId = await caseBySubject(carol, subject);

    const created = await eventually(() => (published('case.created', caseId).length >= 2 ? published('case.created', caseId) : undefined), {
      what: 'case.created published again after the restart',
      timeoutMs: 60_000,
    });
    const ids = created.map((m) => (m.json as { id: string }).id);
    expect(ids).toHaveLength(2);
    expect(new Set(ids).size).toBe(1);

    await expectAssignedOnce(caseId, alice.id);
    expect(published('case.created', caseId)).toHaveLength(2);
    await expectMailedOnce(subject);
    figures.relayCrash = {
      caseCreatedOnKafka: published('case.created', caseId).length,
      distinctEventIds: new Set(ids).size,
      activeAssignments: 1,
      caseAssignedOnKafka: published('case.assigned', caseId).length,
      mailsPerRecipient: { customer: 2, agent: 1 },
      eventsLost: 0,
      duplicatesApplied: 0,
    };
  });
});

describe('consumers killed after their transaction committed, before the offset commit', () => {
  it('redelivers case.created to the agent and notification services, which apply it once', async () => {
    for (const service of ['agent', 'notification'] as const) {
      expect(await fx.platform.kill(service)).toBe(0);
    }
    for (const service of ['agent', 'notification'] as const) {
      fx.platform.start(service, { HELMDESK_FAULT_INJECTION: 'consumer-exit-after-commit' });
      await fx.platform.waitServiceReady(service);
    }
    const faulty = { agent: fx.platform.pid('agent'), notification: fx.platform.pid('notification') };
    // Both consumers rejoin their groups before the event arrives (nothing else is pending).
    await sleep(3_000);
    expect(alive(faulty.agent) && alive(faulty.notification)).toBe(true);

    const subject = `consumer crash ${fx.run}`;
    const opened = await carol.client.post('/api/v1/cases', { subject, description: 'The consumers die after commit.' });
    expect(opened.status).toBe(201);
    const caseId = opened.body.id as string;

    await waitExit(faulty.agent, 'the agent service', 60_000);
    await waitExit(faulty.notification, 'the notification service', 60_000);
    for (const service of ['agent', 'notification'] as const) {
      expect(await fx.platform.kill(service)).toBeNull(); // killed itself (SIGKILL), no clean exit
      // debug: the consumer logs each duplicate it skips
      fx.platform.start(service, { HELMDESK_FAULT_INJECTION: '', LOG_LEVEL: 'debug' });
      await fx.platform.waitServiceReady(service);
    }

    // The event is on Kafka once, consumed twice by each group (the second time skipped), applied once.
    expect(published('case.created', caseId)).toHaveLength(1);
    const eventId = (published('case.created', caseId)[0]!.json as { id: string }).id;
    for (const service of ['agent', 'notification'] as const) {
      await eventually(
        () => serviceLog(fx, service).split('\n').some((l) => l.includes('duplicate event skipped') && l.includes(eventId)),
        { what: `the ${service} service skipping the redelivered event`, timeoutMs: 60_000, intervalMs: 250 },
      );
    }
    await expectAssignedOnce(caseId, alice.id);
    const me = await alice.client.get('/api/v1/agents/me');
    expect(me.body.activeCases).toBe(2); // the relay-crash case and this one, each counted once
    await expectMailedOnce(subject);
    const log = await eventually(
      async () => {
        const res = await fx.admin.get(`/api/v1/notifications?recipient=${encodeURIComponent(carol.email)}&limit=100`);
        const rows = (res.body.items as any[]).filter((r) => r.event === 'case.created' && r.channel === 'email');
        return rows.length >= 2 && rows.every((r) => r.status === 'sent') ? rows : undefined;
      },
      { what: 'the delivery log', timeoutMs: 30_000 },
    );
    // one row per (event, channel, recipient): the two cases' "opened" mails, nothing more
    expect(log).toHaveLength(2);
    figures.consumerCrash = {
      caseCreatedOnKafka: 1,
      redeliveredAndSkipped: ['agent', 'notification'],
      activeAssignments: 1,
      caseAssignedOnKafka: published('case.assigned', caseId).length,
      mailsPerRecipient: { customer: 2, agent: 1 },
      deliveryLogRows: log.length,
      eventsLost: 0,
      duplicatesApplied: 0,
    };
  });
});
