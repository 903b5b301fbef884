import { eventually } from '@helmdesk/testkit';
import {
  allPages,
  countBy,
  createAgent,
  mailsSince,
  percentile,
  poller,
  recordFigures,
  registerCustomer,
  sleep,
  stack,
  startFaultPlatform,
  statusCounts,
  steadyLoad,
  type Account,
  type FaultPlatform,
} from './support';

/**
 * The broker is SIGKILLed while customers open cases at a steady rate and comes back 30 s later.
 * The API does not depend on Kafka (readiness is Postgres only; the outbox keeps the events), so
 * every create answers 201 and /readyz stays 200; once the broker is back every case is routed and
 * mailed, each exactly once.
 */
jest.setTimeout(420_000);

const outageMs = 30_000;
const intervalMs = 500; // two cases a second
let fx: FaultPlatform;
let agents: Account[];
let customers: Account[];
const started = Date.now();

beforeAll(async () => {
  fx = await startFaultPlatform('kafka-outage');
  agents = [];
  for (const name of ['ada', 'bob', 'cyd']) agents.push(await createAgent(fx, name, { capacity: 50 }));
  customers = [];
  for (const name of ['dan', 'eve', 'fay']) customers.push(await registerCustomer(fx, name));
});

afterAll(async () => {
  await stack('up', 'kafka').catch((err) => console.error(err));
  await fx?.stop();
});

const token = (i: number) => `[kafka-${fx.run}-${String(i).padStart(3, '0')}]`;

describe('a Kafka broker killed (kill -9) for 30 s while cases are opened', () => {
  it('keeps answering, then routes and mails every case exactly once', async () => {
    const ready = poller(`${fx.platform.url}/readyz`, 250);
    const tokens = customers.map((c) => c.client.token!);
    const load = steadyLoad(fx.platform.url, intervalMs, (i) => ({
      op: 'open',
      method: 'POST',
      path: '/api/v1/cases',
      token: tokens[i % tokens.length],
      body: { subject: `Outage ${token(i)}`, description: `case ${i} of the Kafka outage test` },
    }));

    await sleep(8_000);
    const killedAt = Date.now();
    await stack('kill', 'kafka');
    await sleep(outageMs);
    const restartAt = Date.now();
    await stack('up', 'kafka');
    const upAt = Date.now();
    await sleep(10_000);
    const samples = await load.stop();
    const readyStatuses = await ready.stop();

    // The API answered throughout: every create 201, /readyz always 200.
    expect(statusCounts(samples)).toEqual({ 201: samples.length });
    expect(statusCounts(readyStatuses)).toEqual({ 200: readyStatuses.length });
    const duringOutage = samples.filter((s) => s.sentAt >= killedAt && s.sentAt < upAt);
    expect(duringOutage.length).toBeGreaterThan(50);

    const cases = new Map<string, { id: string; customerId: string }>();
    for (const s of samples) {
      const c = s.body as { id: string; subject: string; customerId: string };
      cases.set(c.subject, { id: c.id, customerId: c.customerId });
    }
    expect(cases.size).toBe(samples.length);

    // Every case routed once the broker is back (consumers rejoin up to ~30 s after it).
    const routeStart = Date.now();
    const all = await eventually(
      async () => {
        const listed = (await allPages(fx.admin, '/api/v1/cases')).filter((c) => c.subject.startsWith('Outage [kafka-'));
        return listed.length === cases.size && listed.every((c) => c.status === 'assigned') ? listed : undefined;
      },
      { what: 'every case assigned', timeoutMs: 180_000, intervalMs: 1_000 },
    );
    const routedAfterMs = Date.now() - upAt;
    const assignments = (await allPages(fx.admin, '/api/v1/assignments?state=active')).filter((a) =>
      [...cases.values()].some((c) => c.id === a.caseId),
    );
    expect(assignments).toHaveLength(cases.size);
    expect(new Set(assignments.map((a) => a.caseId)).size).toBe(cases.size);
    const load3 = await Promise.all(agents.map(async (a) => (await a.client.get('/api/v1/agents/me')).body));
    expect(load3.reduce((n, a) => n + a.activeCases, 0)).toBe(cases.size);
    expect(load3.every((a) => a.activeCases <= a.capacity)).toBe(true);

    // On Kafka: one event id per case and type (a resend after a lost ack repeats the same id).
    const ids = (type: string) => countBy(fx.events.on(type).filter((m) => [...cases.values()].some((c) => c.id === m.key)), (m) => m.key!);
    const distinctIds = (type: string, caseId: string) =>
      new Set(fx.events.on(type).filter((m) => m.key === caseId).map((m) => (m.json as { id: string }).id)).size;
    await eventually(() => ids('case.assigned').size === cases.size, { what: 'case.assigned for every case', timeoutMs: 60_000 });
    for (const c of cases.values()) {
      expect(distinctIds('case.created', c.id)).toBe(1);
      expect(distinctIds('case.assigned', c.id)).toBe(1);
    }
    const kafkaCopies = [...ids('case.created').values()].reduce((n, v) => n + v, 0);

    // Three mails per case (customer: opened, assigned; agent: assigned), none twice.
    const assignee = new Map(all.map((c) => [c.subject, c.assigneeId as string]));
    const agentEmail = new Map(agents.map((a) => [a.id, a.email.toLowerCase()]));
    const customerEmail = new Map(customers.map((c) => [c.id, c.email.toLowerCase()]));
    const ours = () => mailsSince(started).filter((m) => m.subject.includes(`[kafka-${fx.run}-`));
    await eventually(() => ours().length >= cases.size * 3, { what: 'every mail', timeoutMs: 120_000, intervalMs: 1_000 });
    await sleep(3_000);
    const mails = ours();
    const perCase = countBy(mails, (m) => /\[kafka-[0-9a-f]+-\d{3}\]/.exec(m.subject)![0]);
    const duplicates = [...countBy(mails, (m) => `${m.to}|${m.subject}`).values()].filter((n) => n > 1).length;
    expect(duplicates).toBe(0);
    for (const [subject, c] of cases) {
      const t = /\[kafka-[0-9a-f]+-\d{3}\]/.exec(subject)![0];
      expect(perCase.get(t)).toBe(3);
      const to = countBy(mails.filter((m) => m.subject.includes(t)), (m) => m.to);
      expect(to.get(customerEmail.get(c.customerId)!)).toBe(2);
      expect(to.get(agentEmail.get(assignee.get(subject)!)!)).toBe(1);
    }

    const latencies = samples.map((s) => s.doneAt - s.sentAt);
    recordFigures('kafka-outage', {
      casesOpened: cases.size,
      openedDuringOutage: duringOutage.length,
      createStatuses: statusCounts(samples),
      readyzStatuses: statusCounts(readyStatuses),
      createP50Ms: percentile(latencies, 50),
      createP99Ms: percentile(latencies, 99),
      brokerDownMs: upAt - killedAt,
      brokerRestartMs: upAt - restartAt,
      allRoutedAfterBrokerUpMs: routedAfterMs,
      routeWaitMs: Date.now() - routeStart,
      caseCreatedCopiesOnKafka: kafkaCopies,
      eventsLost: cases.size - assignments.length,
      duplicateAssignments: assignments.length - new Set(assignments.map((a) => a.caseId)).size,
      mails: mails.length,
      duplicateMails: duplicates,
    });
  });
});
