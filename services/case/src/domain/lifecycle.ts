import type { CaseLifecycle, CaseStatus } from './case';

/**
 * What the agent service tells us about a case. `at` is when it happened on the agent side
 * (assignedAt / requeuedAt / resolvedAt of the event), not when we received it.
 */
export type LifecycleEvent =
  | { type: 'case.assigned'; agentId: string; at: Date }
  | { type: 'case.requeued'; at: Date }
  | { type: 'case.resolved'; agentId: string; at: Date; resolution: string | null };

export type LifecycleOutcome =
  /** The event moved the case on. */
  | 'applied'
  /** The case already shows this (a repeat with another event id): nothing to change. */
  | 'unchanged'
  /** A newer event already decided the status: it goes to the history, the status stays. */
  | 'stale'
  /** The case is resolved; an older assignment only fills in the time it was assigned. */
  | 'completed';

export interface LifecycleTransition {
  state: CaseLifecycle;
  outcome: LifecycleOutcome;
}

/**
 * Topics are ordered only within themselves, so `case.assigned`, `case.requeued` and
 * `case.resolved` of one case can arrive in any order (a consumer catching up reads three
 * topics). The status is therefore decided by when things happened, not by arrival:
 *
 * - `resolved` is final (there is no reopen in v1): it applies unless the case is already
 *   resolved, whatever arrived before it, and nothing moves a resolved case again.
 * - `assigned` and `requeued` apply only when they are newer than the event that set the
 *   current status. The first one always applies to a new case (its creation time is our clock,
 *   the event's is the agent service's: they are not compared). At the same instant an
 *   assignment counts as later than a requeue (an admin's reassign requeues and routes in one
 *   go), never the other way round.
 * - A late `assigned` for a resolved case by the agent who resolved it fills in `assignedAt`
 *   when the resolution arrived first.
 */
export function applyLifecycleEvent(state: CaseLifecycle, event: LifecycleEvent): LifecycleTransition {
  switch (event.type) {
    case 'case.resolved':
      return resolve(state, event);
    case 'case.assigned':
      return assign(state, event);
    case 'case.requeued':
      return requeue(state, event);
  }
}

/** Tie-break rank of what set the status: a requeue (open) before an assignment. */
const statusRank: Record<Exclude<CaseStatus, 'resolved'>, number> = { open: 1, assigned: 2 };
const eventRank = { 'case.requeued': 1, 'case.assigned': 2 } as const;

function isNewer(state: CaseLifecycle, at: Date, rank: number): boolean {
  if (state.status === 'resolved') return false;
  if (state.statusAt === null) return true;
  const diff = at.getTime() - state.statusAt.getTime();
  return diff > 0 || (diff === 0 && rank > statusRank[state.status]);
}

function resolve(
  state: CaseLifecycle,
  event: Extract<LifecycleEvent, { type: 'case.resolved' }>,
): LifecycleTransition {
  if (state.status === 'resolved') return { state, outcome: 'unchanged' };
  const sameAssignment = state.status === 'assigned' && state.assigneeId === event.agentId;
  return {
    outcome: 'applied',
    state: {
      status: 'resolved',
      assigneeId: event.agentId,
      assignedAt: sameAssignment ? state.assignedAt : null,
      resolvedAt: event.at,
      resolution: event.resolution,
      statusAt: event.at,
    },
  };
}

function assign(
  state: CaseLifecycle,
  event: Extract<LifecycleEvent, { type: 'case.assigned' }>,
): LifecycleTransition {
  if (state.status === 'resolved') {
    const fillsIn = state.assignedAt === null && state.assigneeId === event.agentId;
    return fillsIn ? { state: { ...state, assignedAt: event.at }, outcome: 'completed' } : { state, outcome: 'stale' };
  }
  if (state.status === 'assigned' && state.assigneeId === event.agentId && state.assignedAt?.getTime() === event.at.getTime()) {
    return { state, outcome: 'unchanged' };
  }
  if (!isNewer(state, event.at, eventRank['case.assigned'])) return { state, outcome: 'stale' };
  return {
    outcome: 'applied',
    state: { ...state, status: 'assigned', assigneeId: event.agentId, assignedAt: event.at, statusAt: event.at },
  };
}

function requeue(
  state: CaseLifecycle,
  event: Extract<LifecycleEvent, { type: 'case.requeued' }>,
): LifecycleTransition {
  if (!isNewer(state, event.at, eventRank['case.requeued'])) {
    const repeated = state.status === 'open' && state.statusAt?.getTime() === event.at.getTime();
    return { state, outcome: repeated ? 'unchanged' : 'stale' };
  }
  return {
    outcome: 'applied',
    state: { ...state, status: 'open', assigneeId: null, assignedAt: null, statusAt: event.at },
  };
}
