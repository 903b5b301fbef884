import { routableSlots, gainedRoutableSlots, type AgentLoad } from '../../domain/agent';
import type { Assignment, AssignmentHow } from '../../domain/assignment';
import { anyRoutable, takePreferredSlot, takeSlot, type Profile } from '../../store/agents';
import { insertAssignment } from '../../store/assignments';
import { caseStateUpdate, takeWaiting } from '../../store/cases';
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
 * Routes up to `max` waiting cases, head of the queue first, each to the best free agent. Run by
 * transactions that added waiting cases (inside the dispatch gate, shared).
 */
export async function routeWaitingCases(ctx: TxContext, max: number): Promise<Assignment[]> {
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
