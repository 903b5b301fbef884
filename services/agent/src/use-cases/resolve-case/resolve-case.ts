import { Conflict, NotFound } from '@helmdesk/platform';
import type { Assignment } from '../../domain/assignment';
import { lockAgent, releaseSlot } from '../../store/agents';
import { lockAssignmentOf, markResolved } from '../../store/assignments';
import { setCaseState } from '../../store/cases';
import { enterDispatchGate } from '../../store/dispatch-gate';
import { handOutFreedSlots } from '../assign-case/assign-case';
import type { TxContext } from '../tx-context';

/**
 * The assigned agent resolves its case: `case.resolved`, the agent's load drops and, if it now has
 * a free slot and is online, `agent.freed` and the oldest waiting case are given to it in the
 * same transaction. Another agent's case → 404 (never reveal it); resolved already → 409.
 */
export async function resolveCase(
  ctx: TxContext,
  agentId: string,
  caseId: string,
  resolution: string | null,
): Promise<Assignment> {
  await enterDispatchGate(ctx.trx, 'exclusive');
  const notYours = () => new NotFound(`You have no assignment for case ${caseId}.`);
  const before = await lockAgent(ctx.trx, agentId);
  if (!before) throw notYours();
  const assignment = await lockAssignmentOf(ctx.trx, caseId, agentId);
  if (!assignment) throw notYours();
  if (assignment.state === 'resolved') throw new Conflict(`Case ${caseId} is already resolved.`);
  const resolved = await markResolved(ctx.trx, assignment.id, ctx.at, resolution);
  await setCaseState(ctx.trx, caseId, 'resolved');
  await ctx.publish('case.resolved', caseId, { caseId, agentId, resolvedAt: ctx.at.toISOString(), resolution });
  const after = await releaseSlot(ctx.trx, agentId);
  await handOutFreedSlots(ctx, before, after);
  return resolved;
}
