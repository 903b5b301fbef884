import { randomUUID } from 'node:crypto';
import {
  ApiClient,
  createTestDatabase,
  deletePrefixedTopics,
  eventually,
  launchPlatform,
  mailsTo,
  stackEnv,
  TopicCollector,
  uniqueTopicPrefix,
  type RunningPlatform,
  type TestDatabase,
} from '@helmdesk/testkit';
import { topics } from '@helmdesk/contracts';

/**
 * The whole story of API.md, through the gateway, against every service running as a real
 * process on real Postgres, Kafka and the SMTP sink.
 */
jest.setTimeout(180_000);

const prefix = uniqueTopicPrefix('e2e');
const admin = { email: `admin-${randomUUID().slice(0, 8)}@e2e.test`, password: 'admin-password-123' };
const run = randomUUID().slice(0, 8);
let db: TestDatabase;
let platform: RunningPlatform;
let api: ApiClient;
let events: TopicCollector;

beforeAll(async () => {
  db = await createTestDatabase('e2e');
  platform = await launchPlatform({
    databaseUrl: db.url,
    kafkaBrokers: stackEnv.kafkaBrokers,
    smtpUrl: stackEnv.smtpUrl,
    topicPrefix: prefix,
    adminEmail: admin.email,
    adminPassword: admin.password,
    env: { BCRYPT_COST: '4', LOG_LEVEL: 'warn', DELIVERY_POLL_MS: '100' },
    logDir: `${__dirname}/../../.helmdesk/reports/e2e-logs`,
  });
  // The launcher created the topics; the collector reads them from the beginning.
  events = await new TopicCollector(prefix, [...topics]).start();
  api = new ApiClient(platform.url);
});

afterAll(async () => {
  await platform?.stop();
  await events?.stop();
  await db?.drop();
  await deletePrefixedTopics(prefix);
});

async function createAgent(adminApi: ApiClient, name: string) {
  const email = `${name}-${run}@e2e.test`;
  const created = await adminApi.post('/api/v1/users', { email, password: 'agent-password-1', name, role: 'agent' });
  expect(created.status).toBe(201);
  const { client } = await api.login(email, 'agent-password-1');
  // The profile arrives through user.created: a 404 for a moment is part of the contract.
  await eventually(async () => (await client.get('/api/v1/agents/me')).status === 200, { what: `${name}'s profile` });
  return { client, id: created.body.id as string, email };
}

describe('a case from registration to resolution', () => {
  let adminApi: ApiClient;
  let customer: ApiClient;
  let customerId: string;
  const customerEmail = `carol-${run}@e2e.test`;
  let agent: Awaited<ReturnType<typeof createAgent>>;
  let caseId: string;

  it('lets the first admin sign in and create an agent', async () => {
    adminApi = (await api.login(admin.email, admin.password)).client;
    agent = await createAgent(adminApi, 'alice');
    const me = await agent.client.get('/api/v1/agents/me');
    expect(me.body).toMatchObject({ id: agent.id, status: 'offline', active: true, capacity: 3, activeCases: 0 });
  });

  it('lets a customer register (always as customer) and open a case exactly once per Idempotency-Key', async () => {
    const refused = await api.post('/api/v1/auth/register', { email: customerEmail, password: 'customer-pass-1', name: 'Carol', role: 'admin' });
    expect(refused.status).toBe(400);
    const registered = await api.post('/api/v1/auth/register', { email: customerEmail, password: 'customer-pass-1', name: 'Carol' });
    expect(registered.status).toBe(201);
    expect(registered.body.role).toBe('customer');
    customerId = registered.body.id;
    customer = (await api.login(customerEmail, 'customer-pass-1')).client;

    const body = { subject: 'Printer on fire', description: 'It is really on fire.', priority: 'urgent' };
    const key = { 'idempotency-key': `open-${run}` };
    const first = await customer.post('/api/v1/cases', body, key);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'open', customerId, assigneeId: null, priority: 'urgent' });
    const again = await customer.post('/api/v1/cases', body, key);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const different = await customer.post('/api/v1/cases', { ...body, subject: 'Other' }, key);
    expect(different.status).toBe(422);
    caseId = first.body.id;
    const mine = await customer.get('/api/v1/cases');
    expect(mine.body.items.map((c: { id: string }) => c.id)).toEqual([caseId]);
  });

  it('queues the case while no agent is online, and assigns it when the agent goes online', async () => {
    await eventually(async () => (await agent.client.get('/api/v1/queue')).body.items?.some((i: { caseId: string }) => i.caseId === caseId), {
      what: 'the case in the queue',
    });
    const online = await agent.client.patch('/api/v1/agents/me', { status: 'online' });
    expect(online.status).toBe(200);
    const assigned = await eventually(
      async () => {
        const c = await customer.get(`/api/v1/cases/${caseId}`);
        return c.body.status === 'assigned' ? c.body : undefined;
      },
      { what: 'the case assigned', timeoutMs: 15_000 },
    );
    expect(assigned.assigneeId).toBe(agent.id);
    const assignments = await agent.client.get('/api/v1/assignments?state=active');
    expect(assignments.body.items).toEqual([expect.objectContaining({ caseId, agentId: agent.id, state: 'active', how: 'auto' })]);
  });

  it('lets the agent comment and resolve, and the customer see both', async () => {
    const comment = await agent.client.post(`/api/v1/cases/${caseId}/comments`, { body: 'Extinguisher on its way.' });
    expect(comment.status).toBe(201);
    const stranger = (await api.post('/api/v1/auth/register', { email: `eve-${run}@e2e.test`, password: 'customer-pass-2', name: 'Eve' })).status;
    expect(stranger).toBe(201);
    const eve = (await api.login(`eve-${run}@e2e.test`, 'customer-pass-2')).client;
    expect((await eve.get(`/api/v1/cases/${caseId}`)).status).toBe(404);

    const resolved = await agent.client.post(`/api/v1/assignments/${caseId}/resolve`, { resolution: 'Fire is out.' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ caseId, state: 'resolved' });
    expect((await agent.client.post(`/api/v1/assignments/${caseId}/resolve`, {})).status).toBe(409);

    const final = await eventually(
      async () => {
        const c = await customer.get(`/api/v1/cases/${caseId}`);
        return c.body.status === 'resolved' ? c.body : undefined;
      },
      { what: 'the case resolved', timeoutMs: 15_000 },
    );
    expect(final.resolution).toBe('Fire is out.');
    const comments = await customer.get(`/api/v1/cases/${caseId}/comments`);
    expect(comments.body.items.map((c: { body: string }) => c.body)).toEqual(['Extinguisher on its way.']);
    const history = await customer.get(`/api/v1/cases/${caseId}/history`);
    expect(history.body.items.map((h: { type: string }) => h.type)).toEqual([
      'case.created',
      'case.assigned',
      'case.commented',
      'case.resolved',
    ]);
  });

  it('published every step as a CloudEvent keyed by its entity', async () => {
    const byType = (t: string) => events.on(t).filter((m) => (m.json as { subject: string }).subject === caseId);
    // Each topic reaches the collector on its own: wait until every step is there.
    await eventually(
      () =>
        ['case.created', 'case.assigned', 'case.resolved'].every((t) => byType(t).length >= 1) &&
        events.on('agent.freed').some((m) => m.key === agent.id),
      { what: 'every step on Kafka' },
    );
    for (const type of ['case.created', 'case.assigned', 'case.resolved']) {
      const [message, ...duplicates] = byType(type);
      expect(duplicates).toHaveLength(0);
      expect(message!.key).toBe(caseId);
      expect(message!.headers['content-type']).toBe('application/cloudevents+json');
      expect(message!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/);
      expect(message!.json).toMatchObject({ specversion: '1.0', type, subject: caseId, datacontenttype: 'application/json' });
    }
    expect(byType('case.created')[0]!.json).toMatchObject({ source: '/helmdesk/case' });
    expect(byType('case.assigned')[0]!.json).toMatchObject({ source: '/helmdesk/agent', data: { agentId: agent.id, how: 'auto' } });
    const registered = events.on('user.created').find((m) => m.key === customerId);
    expect(registered?.json).toMatchObject({ source: '/helmdesk/auth', data: { userId: customerId, role: 'customer' } });
    expect(JSON.stringify(registered?.json)).not.toMatch(/password|\$2[aby]\$/);
    expect(events.on('agent.freed').some((m) => m.key === agent.id)).toBe(true);
  });

  it('mailed the customer at each step and the agent on assignment, once each', async () => {
    const toCustomer = await eventually(() => {
      const mails = mailsTo(customerEmail);
      return mails.length >= 3 ? mails : undefined;
    }, { what: 'three mails to the customer', timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(mailsTo(customerEmail)).toHaveLength(3);
    expect(toCustomer.every((m) => m.raw.includes('Printer on fire'))).toBe(true);
    const toAgent = await eventually(() => (mailsTo(agent.email).length >= 1 ? mailsTo(agent.email) : undefined), {
      what: 'the mail to the agent',
    });
    expect(toAgent).toHaveLength(1);
  });
});

describe('an admin removing an agent', () => {
  it('refuses while the agent holds a case, and with reassign requeues it to another agent and disables the login', async () => {
    const adminApi = (await api.login(admin.email, admin.password)).client;
    const bob = await createAgent(adminApi, 'bob');
    await bob.client.patch('/api/v1/agents/me', { status: 'online' });
    const customer = (await (async () => {
      const email = `dave-${run}@e2e.test`;
      await api.post('/api/v1/auth/register', { email, password: 'customer-pass-3', name: 'Dave' });
      return api.login(email, 'customer-pass-3');
    })()).client;
    // Earlier agents are offline by now or busy; make sure bob is the one who gets it.
    const opened = await customer.post('/api/v1/cases', { subject: 'VPN down', description: 'Cannot connect.' });
    expect(opened.status).toBe(201);
    const caseId = opened.body.id as string;
    await eventually(async () => (await customer.get(`/api/v1/cases/${caseId}`)).body.assigneeId === bob.id, {
      what: 'the case assigned to bob',
      timeoutMs: 15_000,
    });

    const refused = await adminApi.delete(`/api/v1/agents/${bob.id}`);
    expect(refused.status).toBe(409);

    const carl = await createAgent(adminApi, 'carl');
    await carl.client.patch('/api/v1/agents/me', { status: 'online' });
    const removed = await adminApi.delete(`/api/v1/agents/${bob.id}?reassign=true`);
    expect(removed.status).toBe(204);
    await eventually(async () => {
      const { assigneeId } = (await customer.get(`/api/v1/cases/${caseId}`)).body;
      return assigneeId !== null && assigneeId !== bob.id;
    }, {
      what: 'the case routed to another online agent',
      timeoutMs: 15_000,
    });
    const history = await customer.get(`/api/v1/cases/${caseId}/history`);
    expect(history.body.items.map((h: { type: string }) => h.type)).toEqual(['case.created', 'case.assigned', 'case.requeued', 'case.assigned']);
    await eventually(async () => (await api.post('/api/v1/auth/login', { email: bob.email, password: 'agent-password-1' })).status === 401, {
      what: "bob's login disabled",
      timeoutMs: 15_000,
    });
  });
});
