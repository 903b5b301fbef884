import { Conflict, NotFound } from '@helmdesk/platform';
import { claimRefusal, missingProfileDetail } from '../../domain/agent';
import type { Assignment } from '../../domain/assignment';
import { lockAgent, takeSlot, type Profile } from '../../store/agents';
import { lockCase, takeWaiting } from '../../store/cases';
import { enterDispatchGate } from '../../store/dispatch-gate';
import { recordAssignment } from '../assign-case/assign-case';
import type { TxContext } from '../tx-context';

/** Locks the claiming agent's row and checks it may claim (409 otherwise). */
async function lockClaimant(ctx: TxContext, agentId: string): Promise<Profile> {
  const agent = await lockAgent(ctx.trx, agentId);
  if (!agent) throw new Conflict(missingProfileDetail);
  const refusal = claimRefusal(agent);
  if (refusal) throw new Conflict(refusal);
  return agent;
}

async function claim(ctx: TxContext, agentId: string, caseId: string): Promise<Assignment> {
  const reserved = await takeSlot(ctx.trx, agentId, 'claim', ctx.at);
  // The agent row is locked and was checked, so this cannot happen; refuse rather than overfill.
  if (!reserved) throw new Conflict('You cannot take another case right now.');
  return recordAssignment(ctx, caseId, agentId, 'claim');
}

/**
 * An online or away agent takes the case at the head of the queue (404 when none waits). The
 * agent is checked first, so a case this locks is always assigned: it needs no dispatch gate.
 */
export async function claimNext(ctx: TxContext, agentId: string): Promise<Assignment> {
  await lockClaimant(ctx, agentId);
  const [next] = await takeWaiting(ctx.trx, 1);
  if (!next) throw new NotFound('No case is waiting in the queue.');
  return claim(ctx, agentId, next.caseId);
}

/**
 * An online or away agent takes a given waiting case. The case row is locked first (a concurrent
 * assignment of it finishes and is seen), then the agent's. This transaction may hold a waiting
 * case and then let it go (the agent turns out full), which a slot-filling transaction skipping
 * locked cases must not run beside: hence the exclusive gate.
 */
export async function claimCase(ctx: TxContext, agentId: string, caseId: string): Promise<Assignment> {
  await enterDispatchGate(ctx.trx, 'exclusive');
  const target = await lockCase(ctx.trx, caseId);
  if (!target) throw new NotFound(`No case ${caseId} is known to the queue.`);
  if (target.state !== 'waiting') throw new Conflict(`Case ${caseId} is no longer waiting in the queue.`);
  await lockClaimant(ctx, agentId);
  return claim(ctx, agentId, caseId);
}
