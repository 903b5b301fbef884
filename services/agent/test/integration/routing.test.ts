import { eventually } from '@helmdesk/testkit';
import { queueWithPositions } from '../../src/domain/queue';
import { chooseAgent } from '../../src/domain/routing';
import { routingCandidates, takePreferredSlot } from '../../src/store/agents';
import type { AgentTrx } from '../../src/store/schema';
import { routeWaitingCases } from '../../src/use-cases/assign-case/assign-case';
import { txContext } from '../../src/use-cases/tx-context';
import { AgentWorld, type TestAgent } from './agent-world';

jest.setTimeout(120_000);

const world = new AgentWorld('agent-routing');

beforeAll(() => world.start());
afterAll(() => world.stop());
afterEach(() => world.clearTheFloor());

async function resolve(agent: TestAgent, caseId: string) {
  const res = await world.api().post(`/api/v1/assignments/${caseId}/resolve`).set('authorization', agent.header).send({});
  expect(res.status).toBe(200);
  return res.body;
}

async function activeCaseIds(agent: TestAgent): Promise<string[]> {
  return (await world.assignments({ agentId: agent.id, state: 'active' })).map((a) => a.caseId).sort();
}

describe('routing a new case', () => {
  it('when agents are online, then the new case goes to the one with the fewest active cases', async () => {
    const busy = await world.createAgent('busy', { status: 'online' });
    const first = await world.openCase();
    expect((await world.assignmentOf(first.caseId)).agentId).toBe(busy.id);

    const idle = await world.createAgent('idle', { status: 'online' });
    const second = await world.openCase();
    const assignment = await world.assignmentOf(second.caseId);
    expect(assignment).toMatchObject({ agentId: idle.id, how: 'auto', state: 'active', resolvedAt: null });

    // The event follows the assignment through the outbox relay: it may reach Kafka a moment later.
    const event = await eventually(() => world.published('case.assigned').find((e) => e.caseId === second.caseId), { what: 'case.assigned' });
    expect(event).toEqual({ caseId: second.caseId, agentId: idle.id, how: 'auto', assignedAt: assignment.assignedAt });
  });

  it('when loads are equal, then the agent idle longest gets it, and one never assigned before goes first', async () => {
    const a = await world.createAgent('tie-a', { status: 'online' });
    const b = await world.createAgent('tie-b', { status: 'online' });
    // Both are free and never assigned: one gets the first case, the other the second.
    const one = await world.openCase();
    const first = await world.assignmentOf(one.caseId);
    const two = await world.openCase();
    const second = await world.assignmentOf(two.caseId);
    expect(new Set([first.agentId, second.agentId])).toEqual(new Set([a.id, b.id]));
    const longestIdle = first.agentId;

    const fresh = await world.createAgent('tie-fresh');
    await world.setStatus(fresh, 'online');
    const three = await world.openCase();
    expect((await world.assignmentOf(three.caseId)).agentId).toBe(fresh.id);

    // Now all three carry one case; the one idle longest is the first of a and b.
    const four = await world.openCase();
    expect((await world.assignmentOf(four.caseId)).agentId).toBe(longestIdle);
  });

  it('when no agent is free, then the case waits, and the queue lists waiting cases by priority, then age', async () => {
    const lowOld = await world.openCase({ priority: 'low' });
    const normalOld = await world.openCase({ priority: 'normal' });
    const urgentNew = await world.openCase({ priority: 'urgent' });
    const normalNew = await world.openCase({ priority: 'normal' });
    const high = await world.openCase({ priority: 'high' });
    for (const c of [lowOld, normalOld, urgentNew, normalNew, high]) await world.waitingAt(c.caseId);

    const queue = await world.queue();
    expect(queue.map((q) => [q.caseId, q.position])).toEqual([
      [urgentNew.caseId, 1],
      [high.caseId, 2],
      [normalOld.caseId, 3],
      [normalNew.caseId, 4],
      [lowOld.caseId, 5],
    ]);
    expect(queue[0]).toMatchObject({ priority: 'urgent', queuedAt: urgentNew.createdAt });
    // The store's order and positions are the domain's rule.
    const byRule = queueWithPositions(queue.map((q) => ({ ...q, queuedAt: new Date(q.queuedAt) })));
    expect(byRule.map((q) => [q.caseId, q.position])).toEqual(queue.map((q) => [q.caseId, q.position]));

    // Paging keeps the order and the positions in the whole queue.
    const page1 = await world.api().get('/api/v1/queue').query({ limit: 2 }).set('authorization', world.admin.header);
    const page2 = await world.api().get('/api/v1/queue').query({ limit: 2, cursor: page1.body.nextCursor }).set('authorization', world.admin.header);
    expect(page1.body.items.map((q: { position: number }) => q.position)).toEqual([1, 2]);
    expect(page2.body.items.map((q: { caseId: string; position: number }) => [q.caseId, q.position])).toEqual([
      [normalOld.caseId, 3],
      [normalNew.caseId, 4],
    ]);

    // An agent sees the same queue, and the agent who comes online takes it in that order.
    const agentView = await world.api().get('/api/v1/queue').set('authorization', world.auth.mint('agent').header);
    expect(agentView.status).toBe(200);
    expect(agentView.body.items).toHaveLength(5);
    const taker = await world.createAgent('taker', { capacity: 2 });
    const online = await world.setStatus(taker, 'online');
    expect(online.activeCases).toBe(2);
    expect(await activeCaseIds(taker)).toEqual([urgentNew.caseId, high.caseId].sort());
    expect((await world.queue()).map((q) => q.caseId)).toEqual([normalOld.caseId, normalNew.caseId, lowOld.caseId]);
  });

  it('when a freed agent is online, then the oldest waiting case is assigned to it at once', async () => {
    const agent = await world.createAgent('freed', { capacity: 1, status: 'online' });
    const held = await world.openCase();
    expect((await world.assignmentOf(held.caseId)).agentId).toBe(agent.id);
    const newer = await world.openCase({ createdAt: '2026-02-01T10:00:00.000Z' });
    const older = await world.openCase({ createdAt: '2026-02-01T09:00:00.000Z' });
    await world.waitingAt(newer.caseId);
    await world.waitingAt(older.caseId);

    await resolve(agent, held.caseId);

    // Same transaction as the resolution: no waiting needed.
    expect(await activeCaseIds(agent)).toEqual([older.caseId]);
    expect((await world.queue()).map((q) => q.caseId)).toEqual([newer.caseId]);
    await eventually(() => world.published('agent.freed').some((e) => e.agentId === agent.id && e.freeSlots === 1), {
      what: 'agent.freed',
    });
    await eventually(() => world.published('case.assigned').some((e) => e.caseId === older.caseId && e.agentId === agent.id), {
      what: 'case.assigned of the oldest waiting case',
    });
  });

  it('when an agent goes online, then waiting cases are assigned to it at once, up to its capacity', async () => {
    const cases = [];
    for (let i = 0; i < 4; i++) cases.push(await world.openCase());
    for (const c of cases) await world.waitingAt(c.caseId);
    const agent = await world.createAgent('comes-online');

    const online = await world.setStatus(agent, 'online');

    expect(online).toMatchObject({ status: 'online', activeCases: 3, capacity: 3 });
    expect(await activeCaseIds(agent)).toEqual(cases.slice(0, 3).map((c) => c.caseId).sort());
    expect((await world.queue()).map((q) => q.caseId)).toEqual([cases[3]!.caseId]);
    await eventually(() => world.published('agent.freed').some((e) => e.agentId === agent.id && e.freeSlots === 3), {
      what: 'agent.freed on going online',
    });
  });

  it('when an admin raises an agent’s capacity, then waiting cases are assigned to it at once', async () => {
    const agent = await world.createAgent('grows', { capacity: 1, status: 'online' });
    const held = await world.openCase();
    await world.assignmentOf(held.caseId);
    const waiting = [await world.openCase(), await world.openCase(), await world.openCase()];
    for (const c of waiting) await world.waitingAt(c.caseId);

    const raised = await world.setCapacity(agent, 3);

    expect(raised.activeCases).toBe(3);
    expect(await activeCaseIds(agent)).toEqual([held.caseId, waiting[0]!.caseId, waiting[1]!.caseId].sort());
    expect((await world.queue()).map((q) => q.caseId)).toEqual([waiting[2]!.caseId]);

    // Lowering it below the load is allowed and only stops new assignments.
    const lowered = await world.setCapacity(agent, 1);
    expect(lowered).toMatchObject({ capacity: 1, activeCases: 3 });
    await resolve(agent, held.caseId);
    expect((await world.agent(agent)).activeCases).toBe(2);
    expect((await world.queue()).map((q) => q.caseId)).toEqual([waiting[2]!.caseId]);
  });

  it('when an agent is away, then nothing is routed to it, but it may claim', async () => {
    const away = await world.createAgent('away', { status: 'away' });
    const c = await world.openCase();
    const waiting = await world.waitingAt(c.caseId);
    expect(waiting.position).toBe(1);
    expect((await world.agent(away)).activeCases).toBe(0);

    const claim = await world.api().post('/api/v1/queue/claim').set('authorization', away.header);

    expect(claim.status).toBe(200);
    expect(claim.body).toMatchObject({ caseId: c.caseId, agentId: away.id, how: 'claim', state: 'active' });
    await eventually(() => world.published('case.assigned').some((e) => e.caseId === c.caseId && e.how === 'claim'), {
      what: 'case.assigned with how=claim',
    });
  });

  it('when an online agent is made inactive, then it gets nothing, and when made active again it is given waiting cases at once', async () => {
    const agent = await world.createAgent('benched', { status: 'online' });
    const off = await world.api().patch(`/api/v1/agents/${agent.id}`).set('authorization', world.admin.header).send({ active: false });
    expect(off.body).toMatchObject({ active: false, status: 'online' });
    const c = await world.openCase();
    await world.waitingAt(c.caseId);
    const claim = await world.api().post('/api/v1/queue/claim').set('authorization', agent.header);
    expect(claim.status).toBe(409);

    const on = await world.api().patch(`/api/v1/agents/${agent.id}`).set('authorization', world.admin.header).send({ active: true });

    expect(on.body).toMatchObject({ active: true, activeCases: 1 });
    expect(await activeCaseIds(agent)).toEqual([c.caseId]);
  });
});

describe('the router’s choice in SQL', () => {
  let seed = 42; // mulberry32: the same floors every run
  const random = (n: number) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * n | 0;
  };
  const statuses = ['online', 'online', 'online', 'away', 'offline'] as const;
  const stamps = [null, new Date('2026-11-20T10:00:00.000Z'), new Date('2026-11-20T10:00:00.000Z'), new Date('2026-11-21T09:30:00.123Z')];

  /** A random floor of agents (ties, never-assigned, full, away, inactive, removed); its agents' ids. */
  async function layAgents(trx: AgentTrx, count: number): Promise<void> {
    await trx.deleteFrom('assignment').execute();
    await trx.deleteFrom('tracked_case').execute();
    await trx.deleteFrom('agent').execute();
    for (let i = 0; i < count; i++) {
      const capacity = 1 + random(3);
      await trx
        .insertInto('agent')
        .values({
          id: `00000000-0000-4000-8000-${String(random(1000)).padStart(6, '0')}${String(i).padStart(6, '0')}`,
          name: `a${i}`,
          email: `a${i}@example.com`,
          status: statuses[random(statuses.length)],
          active: random(5) > 0,
          account_enabled: random(6) > 0,
          capacity,
          active_cases: random(capacity + 1),
          last_assigned_at: stamps[random(stamps.length)]!,
          removed_at: random(8) === 0 ? new Date() : null,
        })
        .execute();
    }
  }

  /** Runs `work` on the floor `lay` makes, then rolls it all back. */
  async function onFloor<T>(lay: (trx: AgentTrx) => Promise<void>, work: (trx: AgentTrx) => Promise<T>): Promise<T> {
    let result: T | undefined;
    await world.db
      .transaction()
      .execute(async (trx) => {
        await lay(trx);
        result = await work(trx);
        throw new RolledBack(); // leave the floor as it was
      })
      .catch((err: unknown) => {
        if (!(err instanceof RolledBack)) throw err;
      });
    return result as T;
  }

  it('takes the slot of the agent chooseAgent would pick, over many random floors (ties, never-assigned, full, away, inactive)', async () => {
    let compared = 0;
    for (let floor = 0; floor < 60; floor++) {
      await onFloor(
        (trx) => layAgents(trx, 1 + random(8)),
        async (trx) => {
          const expected = chooseAgent(await routingCandidates(trx));
          const taken = await takePreferredSlot(trx, new Date('2026-11-22T00:00:00.000Z'));
          expect(taken?.id).toBe(expected?.id);
          if (expected) {
            compared++;
            expect(taken?.activeCases).toBe(expected.activeCases + 1);
          }
        },
      );
    }
    expect(compared).toBeGreaterThan(20);
  });

  it('routes a batch of waiting cases exactly as one case after another would, over many random floors', async () => {
    const at = new Date('2026-11-22T00:00:00.000Z');
    let routed = 0;
    for (let floor = 0; floor < 40; floor++) {
      const agents = 1 + random(8);
      const cases = Array.from({ length: 1 + random(12) }, (_, i) => ({
        case_id: `00000000-0000-4000-9000-${String(floor).padStart(6, '0')}${String(i).padStart(6, '0')}`,
        customer_id: '00000000-0000-4000-a000-000000000001',
        subject: `case ${i}`,
        priority: (['low', 'normal', 'high', 'urgent'] as const)[random(4)]!,
        queued_at: new Date(Date.parse('2026-11-21T00:00:00.000Z') + random(5) * 1000),
      }));
      const floorSeed = seed;
      const lay = async (trx: AgentTrx) => {
        seed = floorSeed; // both runs lay the same floor
        await layAgents(trx, agents);
        const rank = { low: 0, normal: 1, high: 2, urgent: 3 } as const;
        await trx
          .insertInto('tracked_case')
          .values(cases.map((c) => ({ ...c, priority_rank: rank[c.priority] })))
          .execute();
      };
      const outcome = async (trx: AgentTrx) => ({
        assignments: (await trx.selectFrom('assignment').select(['case_id', 'agent_id']).orderBy('case_id').execute()).map(
          (a) => `${a.case_id}→${a.agent_id}`,
        ),
        loads: await trx.selectFrom('agent').select(['id', 'active_cases', 'last_assigned_at']).orderBy('id').execute(),
        waiting: (await trx.selectFrom('tracked_case').select('case_id').where('state', '=', 'waiting').orderBy('case_id').execute()).map(
          (c) => c.case_id,
        ),
        events: Number(
          (
            await trx
              .selectFrom('outbox')
              .select((eb) => eb.fn.countAll().as('n'))
              .where('topic', 'like', '%case.assigned')
              .where('key', 'in', cases.map((c) => c.case_id))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      });
      const oneByOne = await onFloor(lay, async (trx) => {
        const ctx = { ...txContext(trx, world.svc.host.outbox), at };
        for (let i = 0; i < cases.length; i++) await routeWaitingCases(ctx, 1);
        return outcome(trx);
      });
      const batch = await onFloor(lay, async (trx) => {
        const ctx = { ...txContext(trx, world.svc.host.outbox), at };
        const assigned = await routeWaitingCases(ctx, cases.length);
        expect(assigned).toHaveLength((await outcome(trx)).assignments.length);
        return outcome(trx);
      });
      expect(batch).toEqual(oneByOne);
      expect(batch.events).toBe(batch.assignments.length);
      routed += batch.assignments.length;
    }
    expect(routed).toBeGreaterThan(40);
  });
});

class RolledBack extends Error {}
