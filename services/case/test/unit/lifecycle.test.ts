import type { CaseLifecycle } from '../../src/domain/case';
import { applyLifecycleEvent, type LifecycleEvent } from '../../src/domain/lifecycle';

const agentA = '0b8a6a4e-1d1c-4f0e-9a55-6f0a7f1c0a01';
const agentB = '0b8a6a4e-1d1c-4f0e-9a55-6f0a7f1c0a02';
const t = (seconds: number) => new Date(Date.UTC(2026, 10, 23, 12, 0, seconds));

const newCase: CaseLifecycle = {
  status: 'open',
  assigneeId: null,
  assignedAt: null,
  resolvedAt: null,
  resolution: null,
  statusAt: null,
};

const assigned = (agentId: string, at: number): LifecycleEvent => ({ type: 'case.assigned', agentId, at: t(at) });
const requeued = (at: number): LifecycleEvent => ({ type: 'case.requeued', at: t(at) });
const resolved = (agentId: string, at: number, resolution: string | null = 'fixed'): LifecycleEvent => ({
  type: 'case.resolved',
  agentId,
  at: t(at),
  resolution,
});

/** Applies events in the given (arrival) order and returns the final state. */
function arrive(...events: LifecycleEvent[]): CaseLifecycle {
  return events.reduce((state, e) => applyLifecycleEvent(state, e).state, newCase);
}

describe('the case lifecycle mirrored from agent events', () => {
  describe('in the order they happened', () => {
    it('when a new case is assigned, then it is assigned to that agent at that time', () => {
      const { state, outcome } = applyLifecycleEvent(newCase, assigned(agentA, 1));
      expect(outcome).toBe('applied');
      expect(state).toEqual({ ...newCase, status: 'assigned', assigneeId: agentA, assignedAt: t(1), statusAt: t(1) });
    });

    it('when an assigned case is requeued, then it is open again with no assignee', () => {
      expect(arrive(assigned(agentA, 1), requeued(2))).toEqual({ ...newCase, statusAt: t(2) });
    });

    it('when an assigned case is resolved, then it keeps its agent and assignment time', () => {
      expect(arrive(assigned(agentA, 1), resolved(agentA, 5, 'rebooted'))).toEqual({
        status: 'resolved',
        assigneeId: agentA,
        assignedAt: t(1),
        resolvedAt: t(5),
        resolution: 'rebooted',
        statusAt: t(5),
      });
    });

    it('when a requeued case is assigned to another agent and resolved, then that agent resolved it', () => {
      const state = arrive(assigned(agentA, 1), requeued(2), assigned(agentB, 3), resolved(agentB, 4));
      expect(state).toMatchObject({ status: 'resolved', assigneeId: agentB, assignedAt: t(3), resolvedAt: t(4) });
    });
  });

  describe('out of order (three topics, no order between them)', () => {
    it('when the first assignment predates the case on our clock, then it still applies', () => {
      const state = applyLifecycleEvent(newCase, assigned(agentA, -1)).state;
      expect(state.status).toBe('assigned');
    });

    it('when a resolution arrives before the assignment, then the case is resolved and the late assignment only fills in assignedAt', () => {
      const first = applyLifecycleEvent(newCase, resolved(agentA, 5));
      expect(first.state).toMatchObject({ status: 'resolved', assigneeId: agentA, assignedAt: null });
      const late = applyLifecycleEvent(first.state, assigned(agentA, 1));
      expect(late.outcome).toBe('completed');
      expect(late.state).toMatchObject({ status: 'resolved', assigneeId: agentA, assignedAt: t(1), resolvedAt: t(5) });
    });

    it('when an assignment arrives for a resolved case, then it never reopens it', () => {
      const done = arrive(assigned(agentA, 1), resolved(agentA, 5));
      const late = applyLifecycleEvent(done, assigned(agentB, 6));
      expect(late.outcome).toBe('stale');
      expect(late.state).toBe(done);
    });

    it('when a requeue arrives for a resolved case, then it is ignored', () => {
      const done = arrive(assigned(agentA, 1), resolved(agentA, 5));
      expect(applyLifecycleEvent(done, requeued(3))).toEqual({ state: done, outcome: 'stale' });
    });

    it('when a requeue arrives before the assignment it undoes, then the older assignment is stale', () => {
      const afterRequeue = applyLifecycleEvent(newCase, requeued(2)).state;
      const late = applyLifecycleEvent(afterRequeue, assigned(agentA, 1));
      expect(late.outcome).toBe('stale');
      expect(late.state).toMatchObject({ status: 'open', assigneeId: null });
    });

    it('when the newer assignment arrives first, then the older assignment and requeue change nothing', () => {
      expect(arrive(assigned(agentB, 3), assigned(agentA, 1), requeued(2))).toMatchObject({
        status: 'assigned',
        assigneeId: agentB,
        assignedAt: t(3),
      });
    });

    it('when a requeue and an assignment happen at the same instant, then the assignment wins in either arrival order', () => {
      expect(arrive(assigned(agentA, 1), requeued(2), assigned(agentB, 2))).toMatchObject({ status: 'assigned', assigneeId: agentB });
      expect(arrive(assigned(agentA, 1), assigned(agentB, 2), requeued(2))).toMatchObject({ status: 'assigned', assigneeId: agentB });
    });

    it('when the resolution of another agent arrives before its assignment, then that agent is the assignee', () => {
      const state = arrive(assigned(agentA, 1), resolved(agentB, 4), requeued(2), assigned(agentB, 3));
      expect(state).toMatchObject({ status: 'resolved', assigneeId: agentB, assignedAt: t(3), resolvedAt: t(4) });
    });

    it('whatever the arrival order of one story, the final state is the same', () => {
      const story = [assigned(agentA, 1), requeued(2), assigned(agentB, 3), resolved(agentB, 4, 'done')];
      const expected = arrive(...story);
      for (const order of permutations(story)) expect(arrive(...order)).toEqual(expected);
    });
  });

  describe('repeats', () => {
    it('when the same assignment comes again, then nothing changes', () => {
      const once = arrive(assigned(agentA, 1));
      expect(applyLifecycleEvent(once, assigned(agentA, 1))).toEqual({ state: once, outcome: 'unchanged' });
    });

    it('when a second resolution comes, then the first one stays', () => {
      const once = arrive(assigned(agentA, 1), resolved(agentA, 5, 'first'));
      expect(applyLifecycleEvent(once, resolved(agentA, 6, 'second'))).toEqual({ state: once, outcome: 'unchanged' });
    });

    it('when the same requeue comes again, then nothing changes', () => {
      const once = arrive(assigned(agentA, 1), requeued(2));
      expect(applyLifecycleEvent(once, requeued(2)).outcome).toBe('unchanged');
    });
  });
});

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}
