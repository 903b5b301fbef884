import { sql } from 'kysely';
import { casePrioritySchema } from '@helmdesk/contracts';
import { eventually } from '@helmdesk/testkit';
import { AgentWorld, type AssignmentBody, type TestAgent } from './agent-world';

jest.setTimeout(120_000);

const agents = 5;
const capacity = 3;
const world = new AgentWorld('agent-race');
const team: TestAgent[] = [];
const priorities = casePrioritySchema.options;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  await world.start({ replicas: 2, poolMax: 8 });
  // Both replicas consume, in one group.
  await eventually(async () => (await world.consumerGroupMembers()) === 2, { what: 'two members in the consumer group', timeoutMs: 30_000 });
  for (let i = 0; i < agents; i++) team.push(await world.createAgent(`racer-${i}`, { capacity }));
});
afterAll(() => world.stop());

/** What must hold in every committed state, read from the database (one consistent snapshot per statement). */
async function invariantViolations(): Promise<string[]> {
  const overloaded = await sql<{ id: string; capacity: number; active_cases: number; active: number }>`
    select a.id, a.capacity, a.active_cases, count(s.id)::int as active
      from agent a left join assignment s on s.agent_id = a.id and s.state = 'active'
     group by a.id
    having count(s.id) > a.capacity or count(s.id) <> a.active_cases`.execute(world.db);
  const doubled = await sql<{ case_id: string; n: number }>`
    select case_id, count(*)::int as n from assignment where state = 'active' group by case_id having count(*) > 1`.execute(world.db);
  const inconsistent = await sql<{ case_id: string }>`
    select c.case_id from tracked_case c
     where (c.state = 'assigned') <> exists (select 1 from assignment s where s.case_id = c.case_id and s.state = 'active')`.execute(world.db);
  // Liveness: the router never leaves a case waiting beside an agent it could give it to.
  const stranded = await sql<{ case_id: string; agent_id: string }>`
    select c.case_id, a.id as agent_id
      from tracked_case c
      join agent a on a.status = 'online' and a.active and a.account_enabled and a.removed_at is null
                  and a.active_cases < a.capacity
     where c.state = 'waiting'
     limit 1`.execute(world.db);
  return [
    ...overloaded.rows.map((r) => `agent ${r.id}: ${r.active} active assignments, counter ${r.active_cases}, capacity ${r.capacity}`),
    ...doubled.rows.map((r) => `case ${r.case_id}: ${r.n} active assignments`),
    ...inconsistent.rows.map((r) => `case ${r.case_id}: state and assignments disagree`),
    ...stranded.rows.map((r) => `case ${r.case_id} waits while agent ${r.agent_id} has a free slot`),
  ];
}

/** Samples the invariants every few milliseconds until stopped. */
function sampleInvariants() {
  const violations: string[] = [];
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      violations.push(...(await invariantViolations()));
      samples++;
      await pause(10);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { violations, samples };
    },
  };
}

async function setEveryone(status: 'online' | 'offline') {
  await Promise.all(team.map((a, i) => world.api(i % 2).patch('/api/v1/agents/me').set('authorization', a.header).send({ status })));
}

async function resolveAll(agent: TestAgent, replica: number, unexpected: string[]): Promise<string[]> {
  const mine = await world.api(replica).get('/api/v1/assignments').query({ state: 'active' }).set('authorization', agent.header);
  const active = mine.body.items as AssignmentBody[];
  const done: string[] = [];
  await Promise.all(
    active.map(async (a, k) => {
      const res = await world.api((replica + k) % 2).post(`/api/v1/assignments/${a.caseId}/resolve`).set('authorization', agent.header).send({});
      if (res.status === 200) done.push(a.caseId);
      else unexpected.push(`resolve ${a.caseId}: ${res.status}`);
    }),
  );
  return done;
}

/** Nothing lost, nothing duplicated: every case of `caseIds` resolved once, in the database and on the topics. */
async function expectEveryCaseResolvedOnce(caseIds: string[]) {
  const { rows } = await sql<{ state: string; n: number }>`
    select c.state, count(*)::int as n from tracked_case c where c.case_id = any(${caseIds}::uuid[]) group by c.state`.execute(world.db);
  expect(rows).toEqual([{ state: 'resolved', n: caseIds.length }]);
  const { rows: byCase } = await sql<{ resolved: number; distinct_cases: number; other: number }>`
    select count(*) filter (where state = 'resolved')::int as resolved,
           count(distinct case_id) filter (where state = 'resolved')::int as distinct_cases,
           count(*) filter (where state <> 'resolved')::int as other
      from assignment where case_id = any(${caseIds}::uuid[])`.execute(world.db);
  expect(byCase[0]).toEqual({ resolved: caseIds.length, distinct_cases: caseIds.length, other: 0 });
  for (const a of team) expect((await world.agent(a)).activeCases).toBe(0);
  expect(await world.queue()).toEqual([]);

  const ours = new Set(caseIds);
  const count = (topic: 'case.assigned' | 'case.resolved') =>
    world.published<{ caseId: string }>(topic).map((e) => e.caseId).filter((id) => ours.has(id));
  await eventually(() => count('case.resolved').length >= caseIds.length && count('case.assigned').length >= caseIds.length, {
    what: 'every assignment and resolution published',
    timeoutMs: 20_000,
  });
  for (const topic of ['case.assigned', 'case.resolved'] as const) {
    expect(count(topic)).toHaveLength(caseIds.length);
    expect(new Set(count(topic)).size).toBe(caseIds.length);
  }
}

describe('two agent-service replicas on one database', () => {
  afterEach(() => setEveryone('offline'));

  it('when 200 cases arrive at once for 5 agents of capacity 3, then no agent is ever above capacity, no case has two agents, and resolving everything drains the queue with every case resolved exactly once', async () => {
    const total = 200;
    await setEveryone('online');
    const sampler = sampleInvariants();

    const opened = await Promise.all(
      Array.from({ length: total }, (_, i) => world.openCase({ priority: priorities[i % priorities.length]!, createdAt: new Date(Date.now() + i).toISOString() })),
    );
    // The burst is routed by both replicas at once; resolving starts once every slot is taken.
    await eventually(async () => (await world.queue()).length > 0, { what: 'a full team and a queue', timeoutMs: 30_000 });

    const resolved = new Set<string>();
    const unexpected: string[] = [];
    const deadline = Date.now() + 90_000;
    const work = async (agent: TestAgent, n: number) => {
      for (let round = 0; resolved.size < total && Date.now() < deadline; round++) {
        const replica = (n + round) % 2;
        const done = await resolveAll(agent, replica, unexpected);
        for (const id of done) resolved.add(id);
        // Now and then also claim by hand, racing the router for the same slots and cases.
        if (round % 3 === 0) {
          const claim = await world.api(1 - replica).post('/api/v1/queue/claim').set('authorization', agent.header);
          if (![200, 404, 409].includes(claim.status)) unexpected.push(`claim: ${claim.status}`);
        }
        if (done.length === 0) await pause(10);
      }
    };
    // One agent keeps stepping away and coming back: each return fills its free slots at once.
    const flipping = async () => {
      const flipper = team[agents - 1]!;
      for (let i = 0; resolved.size < total && Date.now() < deadline; i++) {
        const status = i % 2 === 0 ? 'away' : 'online';
        const res = await world.api(i % 2).patch('/api/v1/agents/me').set('authorization', flipper.header).send({ status });
        if (res.status !== 200) unexpected.push(`status ${status}: ${res.status}`);
        await pause(30);
      }
    };
    await Promise.all([flipping(), ...team.map((a, n) => work(a, n))]);
    const { violations, samples } = await sampler.stop();

    expect(unexpected).toEqual([]);
    expect(violations).toEqual([]);
    expect(samples).toBeGreaterThan(10);
    expect(resolved.size).toBe(total);
    await expectEveryCaseResolvedOnce(opened.map((c) => c.caseId));
  });

  it('when cases keep arriving while agents keep resolving, then no case ever waits beside a free agent and none is lost', async () => {
    const total = 200;
    await setEveryone('online');
    const sampler = sampleInvariants();
    const opened: string[] = [];
    const resolved = new Set<string>();
    const unexpected: string[] = [];
    const deadline = Date.now() + 60_000;

    const arriving = (async () => {
      for (let i = 0; i < total; i += 4) {
        const batch = await Promise.all(Array.from({ length: 4 }, (_, k) => world.openCase({ priority: priorities[(i + k) % 4]! })));
        opened.push(...batch.map((c) => c.caseId));
        await pause(15);
      }
    })();
    // Each agent works a case for a few milliseconds, then resolves it: the queue stays short and
    // slots free up all the time, right beside the arrivals.
    const work = async (agent: TestAgent, n: number) => {
      for (let round = 0; resolved.size < total && Date.now() < deadline; round++) {
        await pause(5 + Math.floor(Math.random() * 40));
        for (const id of await resolveAll(agent, (n + round) % 2, unexpected)) resolved.add(id);
      }
    };
    await Promise.all([arriving, ...team.map((a, n) => work(a, n))]);
    const { violations, samples } = await sampler.stop();

    expect(unexpected).toEqual([]);
    expect(violations).toEqual([]);
    expect(samples).toBeGreaterThan(10);
    expect(resolved.size).toBe(total);
    await expectEveryCaseResolvedOnce(opened);
  });

  it('when many agents claim at once on both replicas, then each waiting case goes to exactly one of them, head of the queue first', async () => {
    await setEveryone('offline');
    const waiting = [];
    for (let i = 0; i < 20; i++) waiting.push(await world.openCase({ priority: 'normal' }));
    await eventually(async () => (await world.queue()).length === 20, { what: '20 waiting cases' });
    await Promise.all(team.map((a, i) => world.api(i % 2).patch('/api/v1/agents/me').set('authorization', a.header).send({ status: 'away' })));

    // 5 agents × 3 claims, all in flight together: 15 claims for 20 cases.
    const claims = await Promise.all(
      team.flatMap((agent, n) =>
        [0, 1, 2].map((k) => world.api((n + k) % 2).post('/api/v1/queue/claim').set('authorization', agent.header)),
      ),
    );

    expect(claims.map((c) => c.status)).toEqual(Array(15).fill(200));
    const claimed = claims.map((c) => c.body as AssignmentBody);
    expect(new Set(claimed.map((c) => c.caseId)).size).toBe(15);
    expect(new Set(claimed.map((c) => c.caseId))).toEqual(new Set(waiting.slice(0, 15).map((c) => c.caseId)));
    for (const agent of team) expect((await world.agent(agent)).activeCases).toBe(3);
    expect((await world.queue()).map((q) => q.caseId)).toEqual(waiting.slice(15).map((c) => c.caseId));
    expect(await invariantViolations()).toEqual([]);

    // A sixteenth claim finds everyone full.
    expect((await world.api().post('/api/v1/queue/claim').set('authorization', team[0]!.header)).status).toBe(409);
    const unexpected: string[] = [];
    await Promise.all(team.map((a, n) => resolveAll(a, n % 2, unexpected)));
    expect(unexpected).toEqual([]);
    await world.clearTheFloor();
  });
});
