import type { EventData } from '@helmdesk/contracts';
import { insertCase } from '../../store/cases';
import { enterDispatchGate } from '../../store/dispatch-gate';
import { routeWaitingCases } from '../assign-case/assign-case';
import type { TxContext } from '../tx-context';

/**
 * A customer opened a case: it joins the queue (its place: priority, then the time it was opened)
 * and, when an agent is free, the head of the queue is assigned at once. A case already known
 * (the same event delivered again, or republished) changes nothing.
 */
export async function queueCase(ctx: TxContext, data: EventData<'case.created'>): Promise<void> {
  await enterDispatchGate(ctx.trx, 'shared');
  const isNew = await insertCase(ctx.trx, {
    caseId: data.caseId,
    customerId: data.customerId,
    subject: data.subject,
    priority: data.priority,
    queuedAt: new Date(data.createdAt),
  });
  if (isNew) await routeWaitingCases(ctx, 1);
}
