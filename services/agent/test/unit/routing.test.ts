import { chooseAgent, compareForRouting, type RoutingCandidate } from '../../src/domain/routing';

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
