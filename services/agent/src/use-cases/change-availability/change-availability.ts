import { Conflict, NotFound } from '@helmdesk/platform';
import { missingProfileDetail, type Agent, type AgentStatus } from '../../domain/agent';
import { changeAvailability, findAgent, lockAgent, type Profile } from '../../store/agents';
import { enterDispatchGate } from '../../store/dispatch-gate';
import { handOutFreedSlots } from '../assign-case/assign-case';
import type { TxContext } from '../tx-context';

async function current(ctx: TxContext, id: string): Promise<Profile> {
  const agent = await findAgent(ctx.trx, id);
  if (!agent) throw new Error(`agent ${id} vanished inside its own transaction`);
  return agent;
}

/**
 * An agent sets its status. Going online makes it eligible at once: `agent.freed`, and waiting
 * cases are assigned to it up to its capacity in the same transaction.
 */
export async function setOwnStatus(ctx: TxContext, agentId: string, status: AgentStatus): Promise<Agent> {
  if (status === 'online') await enterDispatchGate(ctx.trx, 'exclusive');
  const before = await lockAgent(ctx.trx, agentId);
  if (!before) throw new NotFound(missingProfileDetail);
  if (before.status === status) return before;
  const after = await changeAvailability(ctx.trx, agentId, { status });
  await handOutFreedSlots(ctx, before, after);
  return current(ctx, agentId);
}

export interface AgentSettings {
  capacity?: number;
  active?: boolean;
}

/**
 * An admin changes an agent's capacity or active flag. Raising the capacity, or making an online
 * agent active again, hands it waiting cases at once; lowering the capacity below its load only
 * stops new assignments.
 */
export async function updateAgentSettings(ctx: TxContext, agentId: string, settings: AgentSettings): Promise<Agent> {
  await enterDispatchGate(ctx.trx, 'exclusive');
  const before = await lockAgent(ctx.trx, agentId);
  if (!before) throw new NotFound(`No agent ${agentId}.`);
  if (settings.active === true && !before.accountEnabled) {
    throw new Conflict('This account is disabled or no longer has the agent role; enable it in the user administration first.');
  }
  const after = await changeAvailability(ctx.trx, agentId, settings);
  await handOutFreedSlots(ctx, before, after);
  return current(ctx, agentId);
}
