import type { Compilable, Selectable } from 'kysely';
import { executeWith } from '@helmdesk/platform';
import type { Assignment, AssignmentHow } from '../domain/assignment';
import type { AgentDb, AssignmentTable } from './schema';

function toAssignment(row: Selectable<AssignmentTable>): Assignment {
  return {
    id: row.id,
    caseId: row.case_id,
    agentId: row.agent_id,
    state: row.state,
    how: row.how,
    assignedAt: row.assigned_at,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
  };
}

/** Inserts an assignment, with `alongside` (the case's new state, its event) in the same statement. */
export async function insertAssignment(
  db: AgentDb,
  a: { caseId: string; agentId: string; how: AssignmentHow; at: Date },
  alongside: Compilable[] = [],
): Promise<Assignment> {
  const [assignment] = await insertAssignments(db, [a], a.at, alongside);
  return assignment!;
}

/** Inserts several assignments made at one time, with `alongside` in the same statement. */
export async function insertAssignments(
  db: AgentDb,
  rows: readonly { caseId: string; agentId: string; how: AssignmentHow }[],
  at: Date,
  alongside: Compilable[] = [],
): Promise<Assignment[]> {
  if (rows.length === 0) return [];
  const insert = db
    .insertInto('assignment')
    .values(rows.map((a) => ({ case_id: a.caseId, agent_id: a.agentId, how: a.how, assigned_at: at })))
    .returningAll();
  return (await executeWith(db, insert, alongside)).map(toAssignment);
}

/** The agent's assignment of a case (active, or resolved), locked; undefined when it has none. */
export async function lockAssignmentOf(db: AgentDb, caseId: string, agentId: string): Promise<Assignment | undefined> {
  const row = await db
    .selectFrom('assignment')
    .selectAll()
    .where('case_id', '=', caseId)
    .where('agent_id', '=', agentId)
    .where('state', 'in', ['active', 'resolved'])
    .orderBy('id', 'desc')
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  return row && toAssignment(row);
}

export async function markResolved(db: AgentDb, id: number, at: Date, resolution: string | null): Promise<Assignment> {
  const row = await db
    .updateTable('assignment')
    .set({ state: 'resolved', resolved_at: at, resolution })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toAssignment(row);
}

export async function lockActiveAssignmentsOf(db: AgentDb, agentId: string): Promise<Assignment[]> {
  const rows = await db
    .selectFrom('assignment')
    .selectAll()
    .where('agent_id', '=', agentId)
    .where('state', '=', 'active')
    .orderBy('case_id')
    .forUpdate()
    .execute();
  return rows.map(toAssignment);
}

export async function markRequeued(db: AgentDb, id: number, at: Date): Promise<void> {
  await db.updateTable('assignment').set({ state: 'requeued', requeued_at: at }).where('id', '=', id).execute();
}

export interface AssignmentListQuery {
  agentId?: string;
  state?: 'active' | 'resolved';
  limit: number;
  /** Continue after this (assignedAt, id), newest first. */
  after?: { assignedAt: Date; id: number };
}

/** Assignments newest first (requeued ones are history of a removed agent and not listed). */
export async function listAssignments(db: AgentDb, query: AssignmentListQuery): Promise<Assignment[]> {
  let q = db.selectFrom('assignment').selectAll();
  q = query.state ? q.where('state', '=', query.state) : q.where('state', 'in', ['active', 'resolved']);
  if (query.agentId) q = q.where('agent_id', '=', query.agentId);
  if (query.after) {
    const { assignedAt, id } = query.after;
    q = q.where((eb) =>
      eb.or([eb('assigned_at', '<', assignedAt), eb.and([eb('assigned_at', '=', assignedAt), eb('id', '<', id)])]),
    );
  }
  const rows = await q.orderBy('assigned_at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
  return rows.map(toAssignment);
}
