import type { Kysely, Transaction } from 'kysely';
import { BeforeCommitBuffer, PermanentEventError, type EventHandlers, type EventMeta, type Logger } from '@helmdesk/platform';
import type { CaseLifecycle } from '../domain/case';
import { assignedEntry, requeuedEntry, resolvedEntry, type HistoryEntry } from '../domain/history';
import { applyLifecycleEvent, type LifecycleEvent } from '../domain/lifecycle';
import { lockCases, saveLifecycles } from '../store/cases';
import { historyBatchInsert } from '../store/history';
import type { CaseDatabase } from '../store/tables';

/** One of the agent service's events about a case, with the history entry that records it. */
interface AgentEvent {
  caseId: string;
  event: LifecycleEvent;
  entry: HistoryEntry;
  /** The event's logger (made only when something is logged). */
  log: () => Logger;
}

/**
 * Applies the agent service's events (in the order received) to the cases they are about, in
 * the consumer's transaction (which also records the event ids, so a redelivery never gets here):
 * the cases are locked in one statement, each event moves its case on as far as the events before
 * it in the batch left it, and the new states and history entries are written in one statement.
 *
 * An event for a case we do not have cannot happen in a healthy system: `case.created` comes
 * from us, written in the same transaction as the case row, so every case the agent service
 * knows exists here before any event about it. No retry can make it appear, so the event goes
 * to the dead-letter topic at once (PermanentEventError: the batch is then applied one event at
 * a time, and only that one fails) rather than blocking its partition through retries; it stays
 * there for an operator to inspect and replay (a restored backup, events produced against the
 * wrong environment).
 */
async function applyAgentEvents(trx: Kysely<CaseDatabase>, events: readonly AgentEvent[]): Promise<void> {
  const cases = await lockCases(trx, [...new Set(events.map((e) => e.caseId))]);
  const changed = new Map<string, CaseLifecycle>();
  const history: { caseId: string; entry: HistoryEntry }[] = [];
  for (const { caseId, event, entry, log } of events) {
    const current = cases.get(caseId);
    if (!current) throw new PermanentEventError(`${event.type} for unknown case ${caseId}`);
    const { state, outcome } = applyLifecycleEvent(current, event);
    if (outcome === 'unchanged') {
      log().info({ caseId, type: event.type }, 'event repeats what the case already shows; ignored');
      continue;
    }
    history.push({ caseId, entry });
    if (outcome === 'stale') {
      log().info({ caseId, type: event.type, status: current.status }, 'stale event: recorded in the history only');
      continue;
    }
    cases.set(caseId, { ...current, ...state });
    changed.set(caseId, state);
  }
  // Every changed case has its history entry, so `history` is empty only when nothing changed.
  if (changed.size > 0) await saveLifecycles(trx, changed, [historyBatchInsert(history)]);
  else if (history.length > 0) await historyBatchInsert(history).execute(trx);
}

/**
 * The case service's consumers: status, assignee and times mirrored from the agent service. Each
 * handler collects its event; a batch's events are applied together just before its transaction
 * commits.
 */
export function caseEventHandlers(): EventHandlers<CaseDatabase> {
  const pending = new BeforeCommitBuffer<Transaction<CaseDatabase>, AgentEvent>(applyAgentEvents);
  const collect = async (trx: Transaction<CaseDatabase>, meta: EventMeta, item: Omit<AgentEvent, 'log'>): Promise<void> =>
    pending.add(trx, meta, { ...item, log: () => meta.log });
  return {
    'case.assigned': (event, trx, meta) =>
      collect(trx, meta, {
        caseId: event.data.caseId,
        event: { type: 'case.assigned', agentId: event.data.agentId, at: new Date(event.data.assignedAt) },
        entry: assignedEntry(event.id, event.data),
      }),
    'case.requeued': (event, trx, meta) =>
      collect(trx, meta, {
        caseId: event.data.caseId,
        event: { type: 'case.requeued', at: new Date(event.data.requeuedAt) },
        entry: requeuedEntry(event.id, event.data),
      }),
    'case.resolved': (event, trx, meta) =>
      collect(trx, meta, {
        caseId: event.data.caseId,
        event: {
          type: 'case.resolved',
          agentId: event.data.agentId,
          at: new Date(event.data.resolvedAt),
          resolution: event.data.resolution,
        },
        entry: resolvedEntry(event.id, event.data),
      }),
  };
}
