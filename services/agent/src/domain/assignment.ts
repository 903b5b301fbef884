import type { CasePriority } from '@helmdesk/contracts';

export type AssignmentHow = 'auto' | 'claim';
/** `requeued`: the agent was removed and the case went back to the queue (not shown by the API). */
export type AssignmentState = 'active' | 'resolved' | 'requeued';
export type CaseState = 'waiting' | 'assigned' | 'resolved';

export interface Assignment {
  id: number;
  caseId: string;
  agentId: string;
  state: AssignmentState;
  how: AssignmentHow;
  assignedAt: Date;
  resolvedAt: Date | null;
  resolution: string | null;
}

/** A case the service learnt of from `case.created`. */
export interface TrackedCase {
  caseId: string;
  subject: string;
  priority: CasePriority;
  queuedAt: Date;
  state: CaseState;
}
