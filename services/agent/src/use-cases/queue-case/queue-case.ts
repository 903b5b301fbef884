import type { EventData } from '@helmdesk/contracts';
import { insertCases } from '../../store/cases';
import { enterDispatchGate } from '../../store/dispatch-gate';
import { routeWaitingCases } from '../assign-case/assign-case';
import type { TxContext } from '../tx-context';

/** A `case.created` to apply, with the trace it continues. */
export interface Arrival {
  data: EventData<'case.created'>;
  traceparent: string | undefined;
}

/**
 * Customers opened cases: they join the queue (their place: priority, then the time each was
 * opened) and, while agents are free, as many cases as arrived are taken from the head of the
 * queue and assigned at once. A case already known (the same event delivered again, or
 * republished) changes nothing. The consumer hands over a batch's arrivals together, so the
 * statements are per batch, not per case.
 */
export async function queueCases(ctx: TxContext, arrivals: readonly Arrival[]): Promise<void> {
  if (arrivals.length === 0) return;
  await enterDispatchGate(ctx.trx, 'shared');
  const queued = await insertCases(
    ctx.trx,
    arrivals.map(({ data }) => ({
      caseId: data.caseId,
      customerId: data.customerId,
      subject: data.subject,
      priority: data.priority,
      queuedAt: new Date(data.createdAt),
    })),
  );
  if (queued.size === 0) return;
  const traces = new Map(arrivals.map((a) => [a.data.caseId, a.traceparent]));
  await routeWaitingCases(ctx, queued.size, (caseId) => traces.get(caseId));
}
