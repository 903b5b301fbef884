import type { Kysely } from 'kysely';
import { PermanentEventError, type EventHandlers, type Logger } from '@helmdesk/platform';
import { assignedEntry, requeuedEntry, resolvedEntry, type HistoryEntry } from '../domain/history';
import { applyLifecycleEvent, type LifecycleEvent } from '../domain/lifecycle';
import { lockCase, saveLifecycle } from '../store/cases';
import { appendHistory, historyInsert } from '../store/history';
import type { CaseDatabase } from '../store/tables';

/**
 * Applies one of the agent service's events to the case it is about, in the consumer's
 * transaction (which also records the event id, so a redelivery never gets here).
 *
 * An event for a case we do not have cannot happen in a healthy system: `case.created` comes
 * from us, written in the same transaction as the case row, so every case the agent service
 * knows exists here before any event about it. No retry can make it appear, so the event goes
 * to the dead-letter topic at once (PermanentEventError) rather than blocking its partition
 * through retries; it stays there for an operator to inspect and replay (a restored backup,
 * events produced against the wrong environment).
 */
async function applyAgentEvent(
  trx: Kysely<CaseDatabase>,
  caseId: string,
  event: LifecycleEvent,
  entry: HistoryEntry,
  log: Logger,
): Promise<void> {
  const current = await lockCase(trx, caseId);
  if (!current) throw new PermanentEventError(`${event.type} for unknown case ${caseId}`);
  const { state, outcome } = applyLifecycleEvent(current, event);
  if (outcome === 'unchanged') {
    log.info({ caseId, type: event.type }, 'event repeats what the case already shows; ignored');
    return;
  }
  if (outcome === 'stale') {
    log.info({ caseId, type: event.type, status: current.status }, 'stale event: recorded in the history only');
    await appendHistory(trx, caseId, entry);
  } else {
    await saveLifecycle(trx, caseId, state, [historyInsert(trx, caseId, entry)]);
  }
}

/** The case service's consumers: status, assignee and times mirrored from the agent service. */
export function caseEventHandlers(): EventHandlers<CaseDatabase> {
  return {
    'case.assigned': (event, trx, { log }) =>
      applyAgentEvent(
        trx,
        event.data.caseId,
        { type: 'case.assigned', agentId: event.data.agentId, at: new Date(event.data.assignedAt) },
        assignedEntry(event.id, event.data),
        log,
      ),
    'case.requeued': (event, trx, { log }) =>
      applyAgentEvent(
        trx,
        event.data.caseId,
        { type: 'case.requeued', at: new Date(event.data.requeuedAt) },
        requeuedEntry(event.id, event.data),
        log,
      ),
    'case.resolved': (event, trx, { log }) =>
      applyAgentEvent(
        trx,
        event.data.caseId,
        {
          type: 'case.resolved',
          agentId: event.data.agentId,
          at: new Date(event.data.resolvedAt),
          resolution: event.data.resolution,
        },
        resolvedEntry(event.id, event.data),
        log,
      ),
  };
}
