import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { CasePriority, Role } from '@helmdesk/contracts';
import type { PlatformTables } from '@helmdesk/platform';
import type { CaseStatus } from '../domain/case';
import type { HistoryType } from '../domain/history';

type CreatedAt = ColumnType<Date, Date | undefined, never>;

export interface CasesTable {
  id: string;
  subject: string;
  description: string;
  priority: CasePriority;
  status: ColumnType<CaseStatus, CaseStatus | undefined, CaseStatus>;
  customer_id: string;
  assignee_id: string | null;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | undefined, Date>;
  assigned_at: Date | null;
  resolved_at: Date | null;
  resolution: string | null;
  status_at: Date | null;
}

export interface CommentsTable {
  id: string;
  seq: Generated<number>;
  case_id: string;
  author_id: string;
  author_role: Role;
  body: string;
  created_at: CreatedAt;
}

export interface HistoryTable {
  seq: Generated<number>;
  case_id: string;
  type: HistoryType;
  at: Date;
  actor_id: string | null;
  data: ColumnType<Record<string, unknown>, string, never>;
  event_id: string | null;
  recorded_at: Generated<Date>;
}

/** The `cases` schema, with the platform's tables (outbox, processed_event, idempotency_key). */
export interface CaseDatabase extends PlatformTables {
  cases: CasesTable;
  comments: CommentsTable;
  history: HistoryTable;
}

export type CaseRow = Selectable<CasesTable>;
export type NewCaseRow = Insertable<CasesTable>;
export type CommentRow = Selectable<CommentsTable>;
export type HistoryRow = Selectable<HistoryTable>;
