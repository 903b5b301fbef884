import { routableSlots, gainedRoutableSlots, type AgentLoad } from '../../domain/agent';
import type { Assignment, AssignmentHow } from '../../domain/assignment';
import { planRouting, type PlannedAssignment } from '../../domain/routing';
import { addCasesUpdate, anyRoutable, lockPreferredAgents, takePreferredSlot, takeSlot, type Profile } from '../../store/agents';
import { insertAssignment, insertAssignments } from '../../store/assignments';
import { caseStateUpdate, casesStateUpdate, takeWaiting } from '../../store/cases';
import type { TxContext } from '../tx-context';

/** Each failed reservation means another transaction took that slot first; this only bounds a pathology. */
const maxReservationAttempts = 50;

/**
 * Records that a case (locked by the caller, waiting) now belongs to an agent whose slot the
 * caller has taken, and publishes `case.assigned`: the assignment, the case's state and the event
 * in one statement.
 */
export async function recordAssignment(
  ctx: TxContext,
  caseId: string,
  agentId: string,
  how: AssignmentHow,
): Promise<Assignment> {
  return insertAssignment(ctx.trx, { caseId, agentId, how, at: ctx.at }, [
    caseStateUpdate(ctx.trx, caseId, 'assigned'),
    ctx.event('case.assigned', caseId, { caseId, agentId, how, assignedAt: ctx.at.toISOString() }),
  ]);
}

/** Takes a slot of the best agent for a new case (see `chooseAgent`), or undefined when none is free. */
async function reserveBestAgent(ctx: TxContext): Promise<Profile | undefined> {
  for (let attempt = 1; attempt <= maxReservationAttempts; attempt++) {
    const reserved = await takePreferredSlot(ctx.trx, ctx.at);
    if (reserved) return reserved;
    if (!(await anyRoutable(ctx.trx))) return undefined;
  }
  throw new Error(`no agent slot could be reserved after ${maxReservationAttempts} attempts`);
}

/**
 * Routes up to `max` waiting cases, head of the queue first, each to the best free agent, in a
 * fixed number of statements: lock the cases and the agents that can be chosen, plan the choices
 * (`planRouting`, as if one case after another), then write the assignments, the agents' loads,
 * the cases' state and a `case.assigned` per case in one statement. When the plan leaves cases
 * over (no locked agent has room), the rest are tried one by one (`routeOneByOne`) against every
 * agent. Run by transactions that added waiting cases (inside the dispatch gate, shared);
 * `causeOf` gives a case's own trace, when it has one, for its event.
 */
export async function routeWaitingCases(
  ctx: TxContext,
  max: number,
  causeOf: (caseId: string) => string | undefined = () => undefined,
): Promise<Assignment[]> {
  const waiting = await takeWaiting(ctx.trx, max);
  if (waiting.length === 0) return [];
  const candidates = await lockPreferredAgents(ctx.trx, waiting.length);
  const plan = planRouting(
    waiting.map((c) => c.caseId),
    candidates,
    ctx.at,
  );
  const assigned = await writePlan(ctx, plan, causeOf);
  if (assigned.length === waiting.length) return assigned;
  return [...assigned, ...(await routeOneByOne(ctx, waiting.length - assigned.length))];
}

async function writePlan(ctx: TxContext, plan: PlannedAssignment[], causeOf: (caseId: string) => string | undefined): Promise<Assignment[]> {
  if (plan.length === 0) return [];
  const added = new Map<string, number>();
  for (const { agentId } of plan) added.set(agentId, (added.get(agentId) ?? 0) + 1);
  const assignedAt = ctx.at.toISOString();
  return insertAssignments(
    ctx.trx,
    plan.map((p) => ({ ...p, how: 'auto' as const })),
    ctx.at,
    [
      addCasesUpdate(ctx.trx, added, ctx.at),
      casesStateUpdate(
        ctx.trx,
        plan.map((p) => p.caseId),
        'assigned',
      ),
      ctx.events(
        plan.map(({ caseId, agentId }) => ({
          type: 'case.assigned' as const,
          subject: caseId,
          data: { caseId, agentId, how: 'auto' as const, assignedAt },
          cause: causeOf(caseId),
        })),
      ),
    ],
  );
}

/** `routeWaitingCases` a case at a time: each takes the best agent's slot by a conditional update. */
async function routeOneByOne(ctx: TxContext, max: number): Promise<Assignment[]> {
  const assigned: Assignment[] = [];
  while (assigned.length < max) {
    const [next] = await takeWaiting(ctx.trx, 1);
    if (!next) break;
    const agent = await reserveBestAgent(ctx);
    if (!agent) break;
    assigned.push(await recordAssignment(ctx, next.caseId, agent.id, 'auto'));
  }
  return assigned;
}

/**
 * Gives an agent (row locked by the caller) the oldest waiting cases, up to its free slots, if it
 * receives cases automatically. Run inside the dispatch gate, exclusive.
 */
export async function fillAgent(ctx: TxContext, agent: Profile): Promise<Assignment[]> {
  const assigned: Assignment[] = [];
  for (const next of await takeWaiting(ctx.trx, routableSlots(agent))) {
    const reserved = await takeSlot(ctx.trx, agent.id, 'auto', ctx.at);
    if (!reserved) break;
    assigned.push(await recordAssignment(ctx, next.caseId, agent.id, 'auto'));
  }
  return assigned;
}

/**
 * After a change to an agent (row locked, dispatch gate exclusive): when the change gave the router
 * slots it did not have (`before` undefined: compare with nothing), announce `agent.freed` and
 * fill those slots from the queue at once. Returns the assignments made.
 */
export async function handOutFreedSlots(ctx: TxContext, before: AgentLoad | undefined, after: Profile): Promise<Assignment[]> {
  const slots = routableSlots(after);
  if (slots === 0 || (before !== undefined && !gainedRoutableSlots(before, after))) return [];
  await ctx.publish('agent.freed', after.id, { agentId: after.id, freeSlots: slots, at: ctx.at.toISOString() });
  return fillAgent(ctx, after);
}
