import type { CasePriority } from '@helmdesk/contracts';

/** Higher is taken first: urgent > high > normal > low. */
export const priorityRank: Readonly<Record<CasePriority, number>> = { urgent: 4, high: 3, normal: 2, low: 1 };

export interface QueueKey {
  caseId: string;
  priority: CasePriority;
  /** When the case was opened; a requeued case keeps it, and so its place. */
  queuedAt: Date;
}

/**
 * The queue order: priority first, then age (oldest first), then case id so that the order is
 * total. The store's `ORDER BY priority_rank DESC, queued_at, case_id` is the same rule.
 */
export function compareQueueOrder(a: QueueKey, b: QueueKey): number {
  return (
    priorityRank[b.priority] - priorityRank[a.priority] ||
    a.queuedAt.getTime() - b.queuedAt.getTime() ||
    (a.caseId < b.caseId ? -1 : a.caseId > b.caseId ? 1 : 0)
  );
}

/** The waiting cases in the order they will be taken, with `position` 1 for the next one. */
export function queueWithPositions<T extends QueueKey>(waiting: readonly T[]): (T & { position: number })[] {
  return [...waiting].sort(compareQueueOrder).map((c, i) => ({ ...c, position: i + 1 }));
}
