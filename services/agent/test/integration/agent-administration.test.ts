import { randomUUID } from 'node:crypto';
import { eventSources } from '@helmdesk/contracts';
import { buildEvent, encodeCursor } from '@helmdesk/platform';
import { eventually } from '@helmdesk/testkit';
import { AgentWorld, type TestAgent } from './agent-world';

jest.setTimeout(120_000);

const world = new AgentWorld('agent-admin');
const problem = /^application\/problem\+json/;

beforeAll(() => world.start());
afterAll(() => world.stop());
afterEach(() => world.clearTheFloor());

const asAdmin = (req: ReturnType<ReturnType<typeof world.api>['get']>) => req.set('authorization', world.admin.header);

function userUpdated(agent: { id: string }, change: { name?: string; email?: string; role?: 'agent' | 'customer'; disabled?: boolean; changed: ('name' | 'email' | 'role' | 'disabled')[] }) {
  return world.produce(
    {
      type: 'user.updated',
      subject: agent.id,
      data: {
        userId: agent.id,
        name: change.name ?? 'someone',
        email: change.email ?? `${agent.id}@example.com`,
        role: change.role ?? 'agent',
        disabled: change.disabled ?? false,
        changed: change.changed,
      },
    },
    eventSources.auth,
  );
}

describe('agent profiles from auth’s events', () => {
  it('when a user with the agent role is created, then a profile exists: offline, active, capacity 3, no cases', async () => {
    const agent = await world.createAgent('Ada');
    const res = await asAdmin(world.api().get(`/api/v1/agents/${agent.id}`));
    expect(res.body).toEqual({
      id: agent.id,
      name: 'Ada',
      email: expect.stringMatching(/^ada-.*@example\.com$/i),
      status: 'offline',
      active: true,
      capacity: 3,
      activeCases: 0,
      lastAssignedAt: null,
    });
    const me = await world.api().get('/api/v1/agents/me').set('authorization', agent.header);
    expect(me.status).toBe(200);
    expect(me.body).toEqual(res.body);
  });

  it('when an agent’s profile does not exist (yet), then GET and PATCH me are 404 problems', async () => {
    const early = world.auth.mint('agent');
    const get = await world.api().get('/api/v1/agents/me').set('authorization', early.header);
    const patch = await world.api().patch('/api/v1/agents/me').set('authorization', early.header).send({ status: 'online' });
    for (const res of [get, patch]) {
      expect(res.status).toBe(404);
      expect(res.headers['content-type']).toMatch(problem);
      expect(res.body.detail).toMatch(/no agent profile/);
    }
  });

  it('when a customer is created, then no profile is made', async () => {
    const customerId = randomUUID();
    const marker = randomUUID();
    // Same key, same partition: once the marker is applied, the customer event was too.
    for (const [userId, role] of [[customerId, 'customer'], [marker, 'agent']] as const) {
      const event = buildEvent(eventSources.auth, {
        type: 'user.created',
        subject: userId,
        data: { userId, email: `${userId}@example.com`, name: 'x', role, disabled: false, createdAt: new Date().toISOString() },
      });
      await world.sendRaw('user.created', 'same-partition', JSON.stringify(event));
    }
    await eventually(async () => (await asAdmin(world.api().get(`/api/v1/agents/${marker}`))).status === 200, { what: 'marker' });
    expect((await asAdmin(world.api().get(`/api/v1/agents/${customerId}`))).status).toBe(404);
  });

  it('when name or email change, then the profile follows; disabled or no longer an agent → inactive; undone → active again', async () => {
    const agent = await world.createAgent('Grace');
    const profile = () => world.agent(agent);

    await userUpdated(agent, { name: 'Grace Hopper', email: 'grace@example.com', changed: ['name', 'email'] });
    await eventually(async () => (await profile()).name === 'Grace Hopper', { what: 'renamed' });
    expect(await profile()).toMatchObject({ email: 'grace@example.com', active: true });

    await userUpdated(agent, { name: 'Grace Hopper', email: 'grace@example.com', disabled: true, changed: ['disabled'] });
    await eventually(async () => (await profile()).active === false, { what: 'inactive when disabled' });
    // An admin cannot make a disabled account active here.
    const refused = await world.api().patch(`/api/v1/agents/${agent.id}`).set('authorization', world.admin.header).send({ active: true });
    expect(refused.status).toBe(409);

    await userUpdated(agent, { name: 'Grace Hopper', email: 'grace@example.com', changed: ['disabled'] });
    await eventually(async () => (await profile()).active === true, { what: 'active again' });

    await userUpdated(agent, { name: 'Grace Hopper', email: 'grace@example.com', role: 'customer', changed: ['role'] });
    await eventually(async () => (await profile()).active === false, { what: 'inactive when no longer an agent' });
  });

  it('when an update arrives before the creation, then the profile comes from the update and the late creation changes nothing', async () => {
    const id = randomUUID();
    await userUpdated({ id }, { name: 'Newer Name', changed: ['name'] });
    await eventually(async () => (await asAdmin(world.api().get(`/api/v1/agents/${id}`))).status === 200, { what: 'profile' });
    await world.produce(
      {
        type: 'user.created',
        subject: id,
        data: { userId: id, email: `${id}@example.com`, name: 'Old Name', role: 'agent', disabled: false, createdAt: new Date().toISOString() },
      },
      eventSources.auth,
    );
    await world.markerAfter('user.created', id);
    expect((await world.agent({ id, name: '', header: '' })).name).toBe('Newer Name');
  });
});

describe('replayed events', () => {
  it('when the same user.created is delivered again, then the profile is not reset', async () => {
    const id = randomUUID();
    const event = buildEvent(eventSources.auth, {
      type: 'user.created',
      subject: id,
      data: { userId: id, email: `${id}@example.com`, name: 'Replay', role: 'agent', disabled: false, createdAt: new Date().toISOString() },
    });
    await world.sendRaw('user.created', id, JSON.stringify(event));
    await eventually(async () => (await asAdmin(world.api().get(`/api/v1/agents/${id}`))).status === 200, { what: 'profile' });
    const agent: TestAgent = { id, name: 'Replay', header: world.auth.mint('agent', id).header };
    await world.setCapacity(agent, 7);
    await world.setStatus(agent, 'away');

    await world.sendRaw('user.created', id, JSON.stringify(event));
    // A different event id for the same user (a republished creation) changes nothing either.
    await world.sendRaw('user.created', id, JSON.stringify({ ...event, id: randomUUID() }));
    await world.markerAfter('user.created', id);

    expect(await world.agent(agent)).toMatchObject({ capacity: 7, status: 'away', name: 'Replay' });
  });

  it('when the same case.created is delivered again, then the case is queued and assigned once', async () => {
    const agent = await world.createAgent('once', { status: 'online', capacity: 5 });
    const caseId = randomUUID();
    const event = buildEvent(eventSources.case, {
      type: 'case.created',
      subject: caseId,
      data: { caseId, customerId: randomUUID(), subject: 'twice', priority: 'normal', createdAt: new Date().toISOString() },
    });
    await world.sendRaw('case.created', caseId, JSON.stringify(event));
    await world.sendRaw('case.created', caseId, JSON.stringify(event));
    await world.sendRaw('case.created', caseId, JSON.stringify({ ...event, id: randomUUID() }));
    await world.markerAfter('case.created', caseId);
    await world.assignmentOf(caseId);
    // The marker was assigned after the duplicates were skipped: its event is published after theirs would be.
    const markerAssigned = () => world.published('case.assigned').filter((e) => e.agentId === agent.id).length === 2;
    await eventually(markerAssigned, { what: 'both assignments published' });

    expect((await world.assignments()).filter((a) => a.caseId === caseId)).toHaveLength(1);
    expect(world.published('case.assigned').filter((e) => e.caseId === caseId)).toHaveLength(1);
    expect((await world.agent(agent)).activeCases).toBe(2);
  });
});

describe('listing agents', () => {
  it('lists agents by name, filters by status and pages with a cursor', async () => {
    const names = ['list-c', 'list-a', 'list-b'];
    const agents = [];
    for (const name of names) agents.push(await world.createAgent(name, { status: 'away' }));

    const away = await asAdmin(world.api().get('/api/v1/agents').query({ status: 'away', limit: 2 }));
    expect(away.status).toBe(200);
    expect(away.body.items.map((a: { name: string }) => a.name)).toEqual(['list-a', 'list-b']);
    const next = await asAdmin(world.api().get('/api/v1/agents').query({ status: 'away', limit: 2, cursor: away.body.nextCursor }));
    expect(next.body.items.map((a: { name: string }) => a.name)).toEqual(['list-c']);
    expect(next.body.nextCursor).toBeNull();

    const all = await asAdmin(world.api().get('/api/v1/agents').query({ limit: 100 }));
    const listed = all.body.items.map((a: { name: string }) => a.name);
    expect(listed).toEqual([...listed].sort((p: string, q: string) => (p < q ? -1 : p > q ? 1 : 0)));
    expect(listed).toEqual(expect.arrayContaining(names));
  });
});

describe('bad input', () => {
  const someId = randomUUID();
  const cases: [string, () => ReturnType<ReturnType<typeof world.api>['get']>][] = [
    ['an unknown status filter', () => asAdmin(world.api().get('/api/v1/agents').query({ status: 'busy' }))],
    ['a limit of 0', () => asAdmin(world.api().get('/api/v1/agents').query({ limit: 0 }))],
    ['a limit of 101', () => asAdmin(world.api().get('/api/v1/queue').query({ limit: 101 }))],
    ['a cursor the server did not issue', () => asAdmin(world.api().get('/api/v1/agents').query({ cursor: 'abc.def' }))],
    ['a queue cursor given to the assignment list', () => asAdmin(world.api().get('/api/v1/assignments').query({ cursor: encodeCursor([2, '2026-01-01T00:00:00.000Z', someId]) }))],
    ['a cursor of the right length with values of the wrong kind', () => asAdmin(world.api().get('/api/v1/assignments').query({ cursor: encodeCursor(['yesterday', 'x']) }))],
    ['an unknown query parameter', () => asAdmin(world.api().get('/api/v1/queue').query({ sort: 'age' }))],
    ['an unknown assignment state', () => asAdmin(world.api().get('/api/v1/assignments').query({ state: 'requeued' }))],
    ['an agentId that is not a uuid', () => asAdmin(world.api().get('/api/v1/assignments').query({ agentId: 'bob' }))],
    ['an agent id that is not a uuid', () => asAdmin(world.api().get('/api/v1/agents/bob'))],
    ['a capacity of 0', () => asAdmin(world.api().patch(`/api/v1/agents/${someId}`).send({ capacity: 0 }))],
    ['a capacity of 51', () => asAdmin(world.api().patch(`/api/v1/agents/${someId}`).send({ capacity: 51 }))],
    ['a fractional capacity', () => asAdmin(world.api().patch(`/api/v1/agents/${someId}`).send({ capacity: 2.5 }))],
    ['a capacity given as a string', () => asAdmin(world.api().patch(`/api/v1/agents/${someId}`).send({ capacity: '3' }))],
    ['active given as a string', () => asAdmin(world.api().patch(`/api/v1/agents/${someId}`).send({ active: 'yes' }))],
    ['an empty settings change', () => asAdmin(world.api().patch(`/api/v1/agents/${someId}`).send({}))],
    ['an admin trying to set the status', () => asAdmin(world.api().patch(`/api/v1/agents/${someId}`).send({ capacity: 3, status: 'online' }))],
    ['a reassign flag that is not true or false', () => asAdmin(world.api().delete(`/api/v1/agents/${someId}`).query({ reassign: 'yes' }))],
    ['a body that does not parse as JSON', () => asAdmin(world.api().patch(`/api/v1/agents/${someId}`).set('content-type', 'application/json').send('{capacity: 3'))],
    ['a claim with a body', () => world.api().post('/api/v1/queue/claim').set('authorization', world.auth.mint('agent').header).send({ caseId: someId })],
  ];

  it.each(cases)('refuses %s with a 400 problem', async (_what, send) => {
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(problem);
    expect(res.body).toMatchObject({ status: 400, title: 'Invalid request' });
  });

  it('refuses a status an agent may not set, or any other field, naming it', async () => {
    const agent = await world.createAgent('strict');
    for (const [body, path] of [
      [{ status: 'busy' }, 'body.status'],
      [{ status: 'online', capacity: 10 }, 'body.capacity'],
      [{}, 'body.status'],
    ] as const) {
      const res = await world.api().patch('/api/v1/agents/me').set('authorization', agent.header).send(body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await world.agent(agent)).status).toBe('offline');
  });

  it('refuses callers without a token (401) or with a role the route does not allow (403)', async () => {
    expect((await world.api().get('/api/v1/queue')).status).toBe(401);
    expect((await world.api().get('/api/v1/queue').set('authorization', world.auth.mint('customer').header)).status).toBe(403);
    expect((await world.api().get('/api/v1/agents').set('authorization', world.auth.mint('agent').header)).status).toBe(403);
    expect((await world.api().post('/api/v1/queue/claim').set('authorization', world.admin.header)).status).toBe(403);
    expect((await asAdmin(world.api().get(`/api/v1/agents/${randomUUID()}`))).status).toBe(404);
    expect((await asAdmin(world.api().patch(`/api/v1/agents/${randomUUID()}`).send({ capacity: 4 }))).status).toBe(404);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const res = await asAdmin(world.api().patch(`/api/v1/agents/${randomUUID()}`).set('content-type', 'text/plain').send('capacity=3'));
    expect(res.status).toBe(415);
    expect(res.headers['content-type']).toMatch(problem);
  });
});

describe('removing an agent', () => {
  it('when it holds no open case, then it is removed (204), agent.removed is published and the profile is gone', async () => {
    const agent = await world.createAgent('leaver');

    const res = await asAdmin(world.api().delete(`/api/v1/agents/${agent.id}`));

    expect(res.status).toBe(204);
    expect((await asAdmin(world.api().get(`/api/v1/agents/${agent.id}`))).status).toBe(404);
    expect((await world.api().get('/api/v1/agents/me').set('authorization', agent.header)).status).toBe(404);
    const event = await eventually(() => world.published('agent.removed').find((e) => e.agentId === agent.id), { what: 'agent.removed' });
    expect(event).toMatchObject({ agentId: agent.id, reassigned: false });
    expect((await asAdmin(world.api().delete(`/api/v1/agents/${agent.id}`))).status).toBe(404);
  });

  it('when it holds open cases, then removal is 409 and nothing changes', async () => {
    const agent = await world.createAgent('holder', { status: 'online' });
    const c = await world.openCase();
    await world.assignmentOf(c.caseId);

    const res = await asAdmin(world.api().delete(`/api/v1/agents/${agent.id}`));
    const explicit = await asAdmin(world.api().delete(`/api/v1/agents/${agent.id}`).query({ reassign: 'false' }));

    expect(res.status).toBe(409);
    expect(explicit.status).toBe(409);
    expect(res.headers['content-type']).toMatch(problem);
    expect(await world.agent(agent)).toMatchObject({ activeCases: 1 });
    expect((await world.assignmentOf(c.caseId)).state).toBe('active');
  });

  it('with reassign, then its cases are requeued in their original place, routed to a free agent, and the agent is removed', async () => {
    const leaving = await world.createAgent('leaving', { status: 'online', capacity: 3 });
    const c1 = await world.openCase();
    await world.assignmentOf(c1.caseId);
    const c2 = await world.openCase();
    await world.assignmentOf(c2.caseId);
    const helper = await world.createAgent('helper', { status: 'online', capacity: 1 });

    const res = await asAdmin(world.api().delete(`/api/v1/agents/${leaving.id}`).query({ reassign: 'true' }));

    expect(res.status).toBe(204);
    // In the same transaction: the oldest goes to the free helper, the other waits.
    expect((await world.assignmentOf(c1.caseId)).agentId).toBe(helper.id);
    expect((await world.queue()).map((q) => q.caseId)).toEqual([c2.caseId]);
    expect((await asAdmin(world.api().get(`/api/v1/agents/${leaving.id}`))).status).toBe(404);
    expect(await world.assignments({ agentId: leaving.id })).toEqual([]);

    await eventually(() => world.published('agent.removed').some((e) => e.agentId === leaving.id), { what: 'agent.removed' });
    // The events are on different topics: no order between them reaches the collector. Wait for
    // both requeued events (and no third), then check them.
    const requeuedOf = () => world.published('case.requeued').filter((e) => e.previousAgentId === leaving.id);
    await eventually(() => requeuedOf().length >= 2, { what: 'both case.requeued' });
    const requeued = requeuedOf();
    expect(requeued.map((e) => e.caseId).sort()).toEqual([c1.caseId, c2.caseId].sort());
    expect(requeued.find((e) => e.caseId === c1.caseId)).toMatchObject({ queuedAt: c1.createdAt });
    expect(world.published('agent.removed').find((e) => e.agentId === leaving.id)).toMatchObject({ reassigned: true });
    await eventually(() => world.published('case.assigned').filter((e) => e.caseId === c1.caseId).length >= 2, { what: 'c1 assigned again' });
    expect(world.published('case.assigned').filter((e) => e.caseId === c1.caseId).map((e) => e.agentId)).toEqual([leaving.id, helper.id]);
  });

  it('with reassign and nobody free, then a requeued case goes ahead of newer cases of the same priority', async () => {
    const leaving = await world.createAgent('leaving-busy', { status: 'online', capacity: 1 });
    const old = await world.openCase({ priority: 'high' });
    await world.assignmentOf(old.caseId);
    const newer = await world.openCase({ priority: 'high' });
    const urgent = await world.openCase({ priority: 'urgent' });
    await world.waitingAt(newer.caseId);
    await world.waitingAt(urgent.caseId);

    expect((await asAdmin(world.api().delete(`/api/v1/agents/${leaving.id}`).query({ reassign: 'true' }))).status).toBe(204);

    expect((await world.queue()).map((q) => [q.caseId, q.position])).toEqual([
      [urgent.caseId, 1],
      [old.caseId, 2],
      [newer.caseId, 3],
    ]);
    const next = await world.createAgent('next-in-line', { status: 'online', capacity: 2 });
    expect((await world.assignments({ agentId: next.id })).map((a) => a.caseId).sort()).toEqual([urgent.caseId, old.caseId].sort());
  });

  it('when auth then disables the removed account, the profile stays removed; re-enabled, it comes back as a new offline profile', async () => {
    const agent = await world.createAgent('returner');
    expect((await asAdmin(world.api().delete(`/api/v1/agents/${agent.id}`))).status).toBe(204);

    await userUpdated(agent, { name: 'returner', disabled: true, changed: ['disabled'] });
    await world.markerAfter('user.updated', agent.id);
    expect((await asAdmin(world.api().get(`/api/v1/agents/${agent.id}`))).status).toBe(404);

    await userUpdated(agent, { name: 'returner', disabled: false, changed: ['disabled'] });
    await eventually(async () => (await asAdmin(world.api().get(`/api/v1/agents/${agent.id}`))).status === 200, { what: 'restored' });
    expect(await world.agent(agent)).toMatchObject({ status: 'offline', active: true, activeCases: 0 });
  });
});
