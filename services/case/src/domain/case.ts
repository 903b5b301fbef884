import type { CasePriority, Role } from '@helmdesk/contracts';

export const caseStatuses = ['open', 'assigned', 'resolved'] as const;
export type CaseStatus = (typeof caseStatuses)[number];

/** The part of a case that the agent service's events change (the case service only mirrors it). */
export interface CaseLifecycle {
  status: CaseStatus;
  assigneeId: string | null;
  assignedAt: Date | null;
  resolvedAt: Date | null;
  resolution: string | null;
  /**
   * When the agent-service event that set the current status happened; null while none has
   * (a new case), so the first assignment applies whatever the clocks of the two services say.
   */
  statusAt: Date | null;
}

export interface CaseRecord extends CaseLifecycle {
  id: string;
  subject: string;
  description: string;
  priority: CasePriority;
  customerId: string;
  createdAt: Date;
  updatedAt: Date;
}

/** The caller as the domain rules see it. */
export interface Actor {
  id: string;
  role: Role;
}
