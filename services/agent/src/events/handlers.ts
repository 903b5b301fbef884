import { BeforeCommitBuffer, type EventHandlers, type Outbox } from '@helmdesk/platform';
import type { AgentDatabase, AgentTrx } from '../store/schema';
import { refillAgent } from '../use-cases/assign-case/refill-agent';
import { queueCases, type Arrival } from '../use-cases/queue-case/queue-case';
import { applyUserCreated, applyUserUpdated } from '../use-cases/sync-profile/sync-profile';
import { txContext } from '../use-cases/tx-context';

/**
 * One handler per consumed event type. Each runs in the consumer runner's transaction, which has
 * already recorded the event id (a redelivered event is skipped before it gets here); what it
 * publishes goes to the outbox in that same transaction.
 *
 * `case.created` is the hot path: its handler only collects the arrival, and the batch's
 * arrivals are queued and routed together just before the transaction commits (`queueCases`).
 * Any other event first applies the arrivals collected so far, so events still take effect in
 * the order they came.
 */
export function agentEventHandlers(outbox: Outbox): EventHandlers<AgentDatabase> {
  const arrivals = new BeforeCommitBuffer<AgentTrx, Arrival>((trx, pending) =>
    queueCases(txContext(trx, outbox, pending[0]!.traceparent), pending),
  );

  return {
    'user.created': async (event, trx, meta) => {
      await arrivals.flush(trx);
      await applyUserCreated(txContext(trx, outbox, meta.traceparent), event.data);
    },
    'user.updated': async (event, trx, meta) => {
      await arrivals.flush(trx);
      await applyUserUpdated(txContext(trx, outbox, meta.traceparent), event.data);
    },
    'case.created': async (event, trx, meta) => arrivals.add(trx, meta, { data: event.data, traceparent: meta.traceparent }),
    'agent.freed': async (event, trx, meta) => {
      await arrivals.flush(trx);
      await refillAgent(txContext(trx, outbox, meta.traceparent), event.data.agentId);
    },
  };
}
