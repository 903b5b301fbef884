import type { EventHandlers, Outbox } from '@helmdesk/platform';
import type { AgentDatabase } from '../store/schema';
import { refillAgent } from '../use-cases/assign-case/refill-agent';
import { queueCase } from '../use-cases/queue-case/queue-case';
import { applyUserCreated, applyUserUpdated } from '../use-cases/sync-profile/sync-profile';
import { txContext } from '../use-cases/tx-context';

/**
 * One handler per consumed event type. Each runs in the consumer runner's transaction, which has
 * already recorded the event id (a redelivered event is skipped before it gets here); what it
 * publishes goes to the outbox in that same transaction.
 */
export function agentEventHandlers(outbox: Outbox): EventHandlers<AgentDatabase> {
  return {
    'user.created': (event, trx, meta) => applyUserCreated(txContext(trx, outbox, meta.traceparent), event.data),
    'user.updated': (event, trx, meta) => applyUserUpdated(txContext(trx, outbox, meta.traceparent), event.data),
    'case.created': (event, trx, meta) => queueCase(txContext(trx, outbox, meta.traceparent), event.data),
    'agent.freed': (event, trx, meta) => refillAgent(txContext(trx, outbox, meta.traceparent), event.data.agentId),
  };
}
