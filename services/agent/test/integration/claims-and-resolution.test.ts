import { randomUUID } from 'node:crypto';
import { eventually } from '@helmdesk/testkit';
import { AgentWorld } from './agent-world';

jest.setTimeout(120_000);

const world = new AgentWorld('agent-claims');
const problem = /^application\/problem\+json/;

beforeAll(() => world.start());
afterAll(() => world.stop());
afterEach(() => world.clearTheFloor());

const claimNext = (header: string) => world.api().post('/api/v1/queue/claim').set('authorization', header);
const claimCase = (header: string, caseId: string) => world.api().post(`/api/v1/queue/${caseId}/claim`).set('authorization', header);
const resolve = (header: string, caseId: string, body?: object) => {
  const req = world.api().post(`/api/v1/assignments/${caseId}/resolve`).set('authorization', header);
  return body === undefined ? req : req.send(body);
};

describe('claiming from the queue', () => {
  it('when no case waits, then claiming the next one is 404', async () => {
    const agent = await world.createAgent('nothing-to-do', { status: 'online' });
    const res = await claimNext(agent.header);
    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(problem);
  });

  it('when the agent is offline, inactive, full or has no profile yet, then claiming is 409 and the case keeps waiting', async () => {
    const c = await world.openCase();
    await world.waitingAt(c.caseId);

    const offline = await world.createAgent('offline');
    expect((await claimNext(offline.header)).status).toBe(409);
    expect((await claimCase(offline.header, c.caseId)).status).toBe(409);

    const inactive = await world.createAgent('inactive', { status: 'away' });
    await world.api().patch(`/api/v1/agents/${inactive.id}`).set('authorization', world.admin.header).send({ active: false });
    expect((await claimNext(inactive.header)).status).toBe(409);

    const full = await world.createAgent('full', { status: 'away', capacity: 1 });
    const other = await world.openCase();
    await world.waitingAt(other.caseId);
    expect((await claimCase(full.header, other.caseId)).status).toBe(200);
    const refused = await claimNext(full.header);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toMatch(/capacity of 1/);
    expect((await claimCase(full.header, c.caseId)).status).toBe(409);

    const unknown = world.auth.mint('agent');
    expect((await claimNext(unknown.header)).status).toBe(409);

    expect((await world.queue()).map((q) => q.caseId)).toEqual([c.caseId]);
  });

  it('when an agent claims a given waiting case, then it gets that case, not the head of the queue', async () => {
    const head = await world.openCase({ priority: 'urgent' });
    const wanted = await world.openCase({ priority: 'low' });
    await world.waitingAt(head.caseId);
    await world.waitingAt(wanted.caseId);
    const agent = await world.createAgent('picky', { status: 'away' });

    const res = await claimCase(agent.header, wanted.caseId);

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ caseId: wanted.caseId, agentId: agent.id, how: 'claim', state: 'active', resolvedAt: null });
    expect((await world.queue()).map((q) => q.caseId)).toEqual([head.caseId]);
  });

  it('when the case is unknown, then claiming it is 404; when it no longer waits, 409', async () => {
    const agent = await world.createAgent('late', { status: 'away' });
    expect((await claimCase(agent.header, randomUUID())).status).toBe(404);

    const c = await world.openCase();
    await world.waitingAt(c.caseId);
    const first = await world.createAgent('early', { status: 'away' });
    expect((await claimCase(first.header, c.caseId)).status).toBe(200);

    const second = await claimCase(agent.header, c.caseId);
    expect(second.status).toBe(409);
    expect(second.headers['content-type']).toMatch(problem);
    expect(second.body.detail).toMatch(/no longer waiting/);
  });

  it('when a claim is retried with the same Idempotency-Key, then the first assignment comes back and no second case is taken', async () => {
    const one = await world.openCase();
    const two = await world.openCase();
    await world.waitingAt(one.caseId);
    await world.waitingAt(two.caseId);
    const agent = await world.createAgent('retrying', { status: 'away' });

    const first = await claimNext(agent.header).set('idempotency-key', 'claim-1');
    const again = await claimNext(agent.header).set('idempotency-key', 'claim-1');

    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await world.agent(agent)).activeCases).toBe(1);
    expect((await world.queue()).map((q) => q.caseId)).toEqual([two.caseId]);
  });
});

describe('resolving a case', () => {
  it('when the assigned agent resolves it, then the assignment is resolved and case.resolved carries the resolution', async () => {
    const agent = await world.createAgent('resolver', { status: 'online' });
    const c = await world.openCase();
    await world.assignmentOf(c.caseId);

    const res = await resolve(agent.header, c.caseId, { resolution: 'Restarted the router.' });

    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ caseId: c.caseId, agentId: agent.id, state: 'resolved', resolution: 'Restarted the router.' });
    expect(Date.parse(res.body.resolvedAt)).toBeGreaterThanOrEqual(Date.parse(res.body.assignedAt));
    expect((await world.agent(agent)).activeCases).toBe(0);
    const event = await eventually(() => world.published('case.resolved').find((e) => e.caseId === c.caseId), { what: 'case.resolved' });
    expect(event).toEqual({ caseId: c.caseId, agentId: agent.id, resolvedAt: res.body.resolvedAt, resolution: 'Restarted the router.' });
    const message = world.events.on('case.resolved').find((m) => m.key === c.caseId)!;
    expect(message.headers['content-type']).toBe('application/cloudevents+json');
    expect(message.json).toMatchObject({ specversion: '1.0', type: 'case.resolved', source: '/helmdesk/agent', subject: c.caseId });
  });

  it('when it is resolved without a body, then the resolution is null', async () => {
    const agent = await world.createAgent('terse', { status: 'online' });
    const c = await world.openCase();
    await world.assignmentOf(c.caseId);
    const res = await resolve(agent.header, c.caseId);
    expect(res.status).toBe(200);
    expect(res.body.resolution).toBeNull();
  });

  it('when another agent resolves it, then that is 404 (the case is not theirs to know about) and nothing changes', async () => {
    const owner = await world.createAgent('owner', { status: 'online' });
    const c = await world.openCase();
    expect((await world.assignmentOf(c.caseId)).agentId).toBe(owner.id);
    const intruder = await world.createAgent('intruder', { status: 'online' });

    const res = await resolve(intruder.header, c.caseId, {});

    expect(res.status).toBe(404);
    expect(res.headers['content-type']).toMatch(problem);
    expect((await world.assignmentOf(c.caseId)).state).toBe('active');
    expect((await resolve(world.auth.mint('agent').header, c.caseId, {})).status).toBe(404);
    expect((await resolve(owner.header, randomUUID(), {})).status).toBe(404);
  });

  it('when it is resolved twice, then the second is 409 and only one case.resolved is published', async () => {
    const agent = await world.createAgent('twice', { status: 'online' });
    const c = await world.openCase();
    await world.assignmentOf(c.caseId);

    expect((await resolve(agent.header, c.caseId, {})).status).toBe(200);
    const again = await resolve(agent.header, c.caseId, { resolution: 'again' });

    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(problem);
    await eventually(() => world.published('case.resolved').some((e) => e.caseId === c.caseId), { what: 'case.resolved' });
    const marker = await world.openCase();
    await world.assignmentOf(marker.caseId);
    await eventually(() => world.published('case.assigned').some((e) => e.caseId === marker.caseId), { what: 'a later event' });
    expect(world.published('case.resolved').filter((e) => e.caseId === c.caseId)).toHaveLength(1);
  });

  it('refuses a resolution that is too long, not a string, or a body with unknown fields (400 naming the field)', async () => {
    const agent = await world.createAgent('wordy', { status: 'online' });
    const c = await world.openCase();
    await world.assignmentOf(c.caseId);

    for (const body of [{ resolution: 'x'.repeat(10_001) }, { resolution: 42 }, { resolution: 'ok', status: 'resolved' }]) {
      const res = await resolve(agent.header, c.caseId, body);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(problem);
      expect(res.body.errors[0].path).toMatch(/^body\.(resolution|status)$/);
    }
    expect((await world.assignmentOf(c.caseId)).state).toBe('active');
    expect((await resolve(agent.header, 'not-a-uuid', {})).status).toBe(400);
  });
});

describe('listing assignments', () => {
  it('shows an agent its own assignments only, and an admin everyone’s or one agent’s, filtered by state', async () => {
    const mine = await world.createAgent('lister', { status: 'online', capacity: 2 });
    const theirs = await world.createAgent('other-lister', { status: 'away' });
    const a = await world.openCase();
    const b = await world.openCase();
    await world.assignmentOf(a.caseId);
    await world.assignmentOf(b.caseId);
    await world.api().post(`/api/v1/assignments/${a.caseId}/resolve`).set('authorization', mine.header).send({});
    await world.setStatus(mine, 'away');
    const c = await world.openCase();
    await world.waitingAt(c.caseId);
    expect((await claimCase(theirs.header, c.caseId)).status).toBe(200);

    const own = await world.api().get('/api/v1/assignments').set('authorization', mine.header);
    expect(own.status).toBe(200);
    expect(own.body.items.map((x: { caseId: string }) => x.caseId).sort()).toEqual([a.caseId, b.caseId].sort());
    expect(own.body.nextCursor).toBeNull();
    const ownActive = await world.api().get('/api/v1/assignments').query({ state: 'active' }).set('authorization', mine.header);
    expect(ownActive.body.items.map((x: { caseId: string }) => x.caseId)).toEqual([b.caseId]);
    expect((await world.api().get('/api/v1/assignments').query({ agentId: theirs.id }).set('authorization', mine.header)).status).toBe(403);

    const resolvedOfMine = await world.assignments({ agentId: mine.id, state: 'resolved' });
    expect(resolvedOfMine.map((x) => x.caseId)).toEqual([a.caseId]);
    const all = await world.assignments();
    expect(all.map((x) => x.caseId)).toEqual(expect.arrayContaining([a.caseId, b.caseId, c.caseId]));
    // Newest first.
    const times = all.map((x) => Date.parse(x.assignedAt));
    expect([...times].sort((p, q) => q - p)).toEqual(times);
  });
});
