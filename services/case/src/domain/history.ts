import type { EventData, Role } from '@helmdesk/contracts';
import type { CaseRecord } from './case';

export const historyTypes = ['case.created', 'case.assigned', 'case.commented', 'case.requeued', 'case.resolved'] as const;
export type HistoryType = (typeof historyTypes)[number];

/** One line of a case's history: what happened, when, who did it (when known) and the details. */
export interface HistoryEntry {
  type: HistoryType;
  at: Date;
  actorId: string | null;
  data: Record<string, unknown>;
  /** The event this entry records; null for what has no event of its own (comments). */
  eventId: string | null;
}

export function createdEntry(c: Pick<CaseRecord, 'createdAt' | 'customerId' | 'subject' | 'priority'>, eventId: string): HistoryEntry {
  return {
    type: 'case.created',
    at: c.createdAt,
    actorId: c.customerId,
    data: { subject: c.subject, priority: c.priority },
    eventId,
  };
}

export function commentedEntry(comment: { id: string; authorId: string; authorRole: Role; createdAt: Date }): HistoryEntry {
  return {
    type: 'case.commented',
    at: comment.createdAt,
    actorId: comment.authorId,
    data: { commentId: comment.id, authorRole: comment.authorRole },
    eventId: null,
  };
}

/**
 * History of the agent service's events, dated when they happened there. The actor is the agent
 * when it acted itself (a claim, a resolution); an automatic assignment and a requeue (an admin
 * removed the agent; the event does not say who) have no known actor.
 */
export function assignedEntry(eventId: string, data: EventData<'case.assigned'>): HistoryEntry {
  return {
    type: 'case.assigned',
    at: new Date(data.assignedAt),
    actorId: data.how === 'claim' ? data.agentId : null,
    data: { agentId: data.agentId, how: data.how },
    eventId,
  };
}

export function requeuedEntry(eventId: string, data: EventData<'case.requeued'>): HistoryEntry {
  return {
    type: 'case.requeued',
    at: new Date(data.requeuedAt),
    actorId: null,
    data: { previousAgentId: data.previousAgentId, queuedAt: new Date(data.queuedAt).toISOString() },
    eventId,
  };
}

export function resolvedEntry(eventId: string, data: EventData<'case.resolved'>): HistoryEntry {
  return {
    type: 'case.resolved',
    at: new Date(data.resolvedAt),
    actorId: data.agentId,
    data: { agentId: data.agentId, resolution: data.resolution },
    eventId,
  };
}
