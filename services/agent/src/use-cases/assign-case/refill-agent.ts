import { routableSlots } from '../../domain/agent';
import { findAgent, lockAgent } from '../../store/agents';
import { hasWaitingCases } from '../../store/cases';
import { enterDispatchGate } from '../../store/dispatch-gate';
import type { TxContext } from '../tx-context';
import { fillAgent } from './assign-case';

/**
 * `agent.freed` consumed by the assigner. The transaction that freed the slots has already filled
 * them from the queue, so this is normally a cheap no-op; it is the safety net that makes the
 * event, as DESIGN.md says, drive the assigner.
 */
export async function refillAgent(ctx: TxContext, agentId: string): Promise<void> {
  const seen = await findAgent(ctx.trx, agentId);
  if (!seen || routableSlots(seen) === 0 || !(await hasWaitingCases(ctx.trx))) return;
  await enterDispatchGate(ctx.trx, 'exclusive');
  const agent = await lockAgent(ctx.trx, agentId);
  if (agent) await fillAgent(ctx, agent);
}
