import type { ColumnType, Generated, Kysely, Transaction } from 'kysely';
import type { CasePriority } from '@helmdesk/contracts';
import type { PlatformTables } from '@helmdesk/platform';
import type { AgentStatus } from '../domain/agent';
import type { AssignmentHow, AssignmentState, CaseState } from '../domain/assignment';

export interface AgentTable {
  id: string;
  name: string;
  email: string;
  status: ColumnType<AgentStatus, AgentStatus | undefined, AgentStatus>;
  /** The admin's switch. */
  active: ColumnType<boolean, boolean | undefined, boolean>;
  /** From auth: the user has the agent role and is not disabled. */
  account_enabled: boolean;
  capacity: ColumnType<number, number | undefined, number>;
  active_cases: ColumnType<number, number | undefined, number>;
  last_assigned_at: Date | null;
  removed_at: Date | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TrackedCaseTable {
  case_id: string;
  customer_id: string;
  subject: string;
  priority: CasePriority;
  priority_rank: number;
  queued_at: Date;
  state: ColumnType<CaseState, CaseState | undefined, CaseState>;
  received_at: Generated<Date>;
}

export interface AssignmentTable {
  id: Generated<number>;
  case_id: string;
  agent_id: string;
  how: AssignmentHow;
  state: ColumnType<AssignmentState, AssignmentState | undefined, AssignmentState>;
  assigned_at: Date;
  resolved_at: Date | null;
  resolution: string | null;
  requeued_at: Date | null;
}

/** The `agents` schema, with the platform's tables (outbox, processed events, idempotency keys). */
export interface AgentDatabase extends PlatformTables {
  agent: AgentTable;
  tracked_case: TrackedCaseTable;
  assignment: AssignmentTable;
}

export type AgentDb = Kysely<AgentDatabase>;
export type AgentTrx = Transaction<AgentDatabase>;
