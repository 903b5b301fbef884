import { chooseAgent, compareForRouting, planRouting, type RoutingCandidate } from '../../src/domain/routing';

function agent(id: string, overrides: Partial<RoutingCandidate> = {}): RoutingCandidate {
  return { id, status: 'online', active: true, capacity: 3, activeCases: 0, lastAssignedAt: null, ...overrides };
}

const at = (iso: string) => new Date(iso);

describe('choosing the agent for a new case', () => {
  it('when agents carry different loads, then the one with the fewest active cases gets it', () => {
    const chosen = chooseAgent([
      agent('a', { activeCases: 2, lastAssignedAt: at('2026-01-01T08:00:00Z') }),
      agent('b', { activeCases: 1, lastAssignedAt: at('2026-01-01T10:00:00Z') }),
      agent('c', { activeCases: 2, lastAssignedAt: at('2026-01-01T07:00:00Z') }),
    ]);
    expect(chosen?.id).toBe('b');
  });

  it('when loads are equal, then the agent idle longest (oldest last assignment) gets it', () => {
    const chosen = chooseAgent([
      agent('a', { activeCases: 1, lastAssignedAt: at('2026-01-01T09:00:00Z') }),
      agent('b', { activeCases: 1, lastAssignedAt: at('2026-01-01T08:00:00Z') }),
      agent('c', { activeCases: 1, lastAssignedAt: at('2026-01-01T10:00:00Z') }),
    ]);
    expect(chosen?.id).toBe('b');
  });

  it('when loads are equal, then an agent never assigned before goes first', () => {
    const chosen = chooseAgent([
      agent('a', { lastAssignedAt: at('2020-01-01T00:00:00Z') }),
      agent('z', { lastAssignedAt: null }),
    ]);
    expect(chosen?.id).toBe('z');
  });

  it('when everything else is equal, then the agent id decides, so every replica makes the same choice', () => {
    expect(chooseAgent([agent('b'), agent('a'), agent('c')])?.id).toBe('a');
    expect(compareForRouting(agent('a'), agent('b'))).toBeLessThan(0);
  });

  it('never chooses an agent that is away, offline, inactive or full', () => {
    const chosen = chooseAgent([
      agent('away', { status: 'away' }),
      agent('offline', { status: 'offline' }),
      agent('inactive', { active: false }),
      agent('full', { activeCases: 3 }),
      agent('over', { capacity: 1, activeCases: 2 }),
      agent('busy-but-free', { activeCases: 2 }),
    ]);
    expect(chosen?.id).toBe('busy-but-free');
  });

  it('when nobody can take a case, then there is no choice and the case waits', () => {
    expect(chooseAgent([agent('full', { activeCases: 3 }), agent('away', { status: 'away' })])).toBeUndefined();
    expect(chooseAgent([])).toBeUndefined();
  });
});

describe('planning the routing of several cases', () => {
  const now = new Date('2026-11-22T12:00:00Z');

  it('routes them as one after another: each case to the best agent as the earlier choices left the loads', () => {
    const candidates = [
      agent('a', { activeCases: 1, lastAssignedAt: at('2026-01-01T08:00:00Z') }),
      agent('b', { activeCases: 0, lastAssignedAt: at('2026-01-01T09:00:00Z') }),
      agent('c', { activeCases: 0, lastAssignedAt: null, capacity: 1 }),
    ];
    // c (0, never assigned), b (0), then a and b both at 1: a was idle longer; then b (1, now) vs a (2).
    expect(planRouting(['1', '2', '3', '4'], candidates, now)).toEqual([
      { caseId: '1', agentId: 'c' },
      { caseId: '2', agentId: 'b' },
      { caseId: '3', agentId: 'a' },
      { caseId: '4', agentId: 'b' },
    ]);
    expect(candidates[0]).toMatchObject({ activeCases: 1 }); // the input is left as it was
  });

  it('when the agents are full, then it stops, and the remaining cases are not planned', () => {
    const plan = planRouting(['1', '2', '3'], [agent('a', { capacity: 2, activeCases: 1 }), agent('b', { status: 'away' })], now);
    expect(plan).toEqual([{ caseId: '1', agentId: 'a' }]);
  });

  it('when nobody is routable, then the plan is empty', () => {
    expect(planRouting(['1'], [agent('a', { active: false }), agent('b', { status: 'offline' })], now)).toEqual([]);
  });
});
