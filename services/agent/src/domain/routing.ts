import { freeSlots, receivesAutomatically, type AgentLoad } from './agent';

export interface RoutingCandidate extends AgentLoad {
  id: string;
  lastAssignedAt: Date | null;
}

/**
 * Who gets a new case first: fewest active cases, then idle longest (the oldest last
 * assignment; never assigned counts as idle longest), then agent id for a total order.
 */
export function compareForRouting(a: RoutingCandidate, b: RoutingCandidate): number {
  if (a.activeCases !== b.activeCases) return a.activeCases - b.activeCases;
  const aTime = a.lastAssignedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  const bTime = b.lastAssignedAt?.getTime() ?? Number.NEGATIVE_INFINITY;
  if (aTime !== bTime) return aTime < bTime ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The agent a waiting case goes to: online, active, with a free slot, and first by `compareForRouting`. */
export function chooseAgent<C extends RoutingCandidate>(candidates: readonly C[]): C | undefined {
  return candidates
    .filter((c) => receivesAutomatically(c) && freeSlots(c) > 0)
    .reduce<C | undefined>((best, c) => (best === undefined || compareForRouting(c, best) < 0 ? c : best), undefined);
}

export interface PlannedAssignment {
  caseId: string;
  agentId: string;
}

/**
 * Routes cases (in queue order) as if one after another: each goes to `chooseAgent` of the
 * candidates as the earlier choices of the plan left them (one more case, last assigned `at`).
 * Stops at the first case no candidate can take. The candidates are not changed.
 */
export function planRouting(caseIds: readonly string[], candidates: readonly RoutingCandidate[], at: Date): PlannedAssignment[] {
  const loads = candidates.map((c) => ({ ...c }));
  const plan: PlannedAssignment[] = [];
  for (const caseId of caseIds) {
    const agent = chooseAgent(loads);
    if (!agent) break;
    agent.activeCases += 1;
    agent.lastAssignedAt = at;
    plan.push({ caseId, agentId: agent.id });
  }
  return plan;
}
