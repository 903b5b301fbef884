import { Conflict, NotFound } from '@helmdesk/platform';
import { lockAgent, markRemoved } from '../../store/agents';
import { lockActiveAssignmentsOf, markRequeued } from '../../store/assignments';
import { lockCase, setCaseState } from '../../store/cases';
import { enterDispatchGate } from '../../store/dispatch-gate';
import { routeWaitingCases } from '../assign-case/assign-case';
import type { TxContext } from '../tx-context';

/**
 * An admin deletes an agent. While it holds open cases that is refused (409), unless `reassign`:
 * then each case goes back to the queue with its original `queuedAt` (`case.requeued`), so it is
 * taken before newer cases of the same priority, and is routed to other free agents at once. The
 * profile is removed and `agent.removed` tells auth to disable the login.
 */
export async function removeAgent(ctx: TxContext, agentId: string, reassign: boolean): Promise<void> {
  await enterDispatchGate(ctx.trx, 'exclusive');
  const agent = await lockAgent(ctx.trx, agentId);
  if (!agent) throw new NotFound(`No agent ${agentId}.`);
  const open = await lockActiveAssignmentsOf(ctx.trx, agentId);
  if (open.length > 0 && !reassign) {
    throw new Conflict(
      `The agent holds ${open.length} open case(s); resolve them first or delete with ?reassign=true to requeue them.`,
    );
  }
  for (const assignment of open) {
    const tracked = await lockCase(ctx.trx, assignment.caseId);
    if (!tracked) throw new Error(`assignment ${assignment.id} points at an unknown case`);
    await markRequeued(ctx.trx, assignment.id, ctx.at);
    await setCaseState(ctx.trx, assignment.caseId, 'waiting');
    await ctx.publish('case.requeued', assignment.caseId, {
      caseId: assignment.caseId,
      previousAgentId: agentId,
      queuedAt: tracked.queuedAt.toISOString(),
      requeuedAt: ctx.at.toISOString(),
    });
  }
  await markRemoved(ctx.trx, agentId, ctx.at);
  await routeWaitingCases(ctx, open.length);
  await ctx.publish('agent.removed', agentId, {
    agentId,
    removedAt: ctx.at.toISOString(),
    reassigned: open.length > 0,
  });
}
