import {
  claimRefusal,
  freeSlots,
  gainedRoutableSlots,
  receivesAutomatically,
  routableSlots,
  type AgentLoad,
} from '../../src/domain/agent';

function load(overrides: Partial<AgentLoad> = {}): AgentLoad {
  return { status: 'online', active: true, capacity: 3, activeCases: 1, ...overrides };
}

describe('an agent’s availability', () => {
  it('has the slots left below its capacity, and none (not fewer) when the capacity was lowered below its load', () => {
    expect(freeSlots(load())).toBe(2);
    expect(freeSlots(load({ capacity: 1, activeCases: 3 }))).toBe(0);
  });

  it('receives cases automatically only when online and active', () => {
    expect(receivesAutomatically(load())).toBe(true);
    expect(receivesAutomatically(load({ status: 'away' }))).toBe(false);
    expect(receivesAutomatically(load({ status: 'offline' }))).toBe(false);
    expect(receivesAutomatically(load({ active: false }))).toBe(false);
    expect(routableSlots(load({ status: 'away' }))).toBe(0);
  });

  it('may claim when online or away, active and not full', () => {
    expect(claimRefusal(load())).toBeNull();
    expect(claimRefusal(load({ status: 'away' }))).toBeNull();
    expect(claimRefusal(load({ status: 'offline' }))).toMatch(/offline/);
    expect(claimRefusal(load({ active: false }))).toMatch(/inactive/);
    expect(claimRefusal(load({ activeCases: 3 }))).toMatch(/capacity of 3/);
  });

  it('gains routable slots when it goes online, is made active, gets more capacity or resolves a case while online', () => {
    expect(gainedRoutableSlots(load({ status: 'away' }), load())).toBe(true);
    expect(gainedRoutableSlots(load({ active: false }), load())).toBe(true);
    expect(gainedRoutableSlots(load({ activeCases: 3 }), load({ activeCases: 2 }))).toBe(true);
    expect(gainedRoutableSlots(load({ capacity: 3 }), load({ capacity: 5 }))).toBe(true);
  });

  it('gains nothing when it resolves while away, resolves while still above a lowered capacity, or goes offline', () => {
    expect(gainedRoutableSlots(load({ status: 'away', activeCases: 2 }), load({ status: 'away' }))).toBe(false);
    expect(gainedRoutableSlots(load({ capacity: 1, activeCases: 3 }), load({ capacity: 1, activeCases: 2 }))).toBe(false);
    expect(gainedRoutableSlots(load(), load({ status: 'offline' }))).toBe(false);
  });
});
