import { sql, type Selectable } from 'kysely';
import type { CasePriority } from '@helmdesk/contracts';
import type { CaseState, TrackedCase } from '../domain/assignment';
import { priorityRank } from '../domain/queue';
import type { AgentDb, TrackedCaseTable } from './schema';

function toTrackedCase(row: Selectable<TrackedCaseTable>): TrackedCase {
  return { caseId: row.case_id, subject: row.subject, priority: row.priority, queuedAt: row.queued_at, state: row.state };
}

export interface NewCase {
  caseId: string;
  customerId: string;
  subject: string;
  priority: CasePriority;
  queuedAt: Date;
}

/**
 * Queues the cases the service has not seen yet, in one statement (its parameters are one array
 * per column, so it is the same prepared statement for any number of cases). Returns the ids of
 * those it queued; a case already known (a redelivery) is left as it is.
 */
export async function insertCases(db: AgentDb, cases: readonly NewCase[]): Promise<Set<string>> {
  if (cases.length === 0) return new Set();
  const column = <V>(pick: (c: NewCase) => V): V[] => cases.map(pick);
  const result = await sql<{ case_id: string }>`
    insert into tracked_case (case_id, customer_id, subject, priority, priority_rank, queued_at)
    select * from unnest(${column((c) => c.caseId)}::uuid[], ${column((c) => c.customerId)}::uuid[],
                         ${column((c) => c.subject)}::text[], ${column((c) => c.priority)}::text[],
                         ${column((c) => priorityRank[c.priority])}::smallint[], ${column((c) => c.queuedAt)}::timestamptz[])
    on conflict (case_id) do nothing
    returning case_id`.execute(db);
  return new Set(result.rows.map((r) => r.case_id));
}

/**
 * Locks the next `limit` waiting cases in queue order, skipping cases another transaction holds
 * right now (it is assigning them): concurrent assigners never wait for each other nor take the
 * same case.
 */
export async function takeWaiting(db: AgentDb, limit: number): Promise<TrackedCase[]> {
  if (limit <= 0) return [];
  const rows = await db
    .selectFrom('tracked_case')
    .selectAll()
    .where('state', '=', 'waiting')
    .orderBy('priority_rank', 'desc')
    .orderBy('queued_at')
    .orderBy('case_id')
    .limit(limit)
    .forUpdate()
    .skipLocked()
    .execute();
  return rows.map(toTrackedCase);
}

/** Locks one case, waiting until a transaction assigning it right now has finished. */
export async function lockCase(db: AgentDb, caseId: string): Promise<TrackedCase | undefined> {
  const row = await db.selectFrom('tracked_case').selectAll().where('case_id', '=', caseId).forUpdate().executeTakeFirst();
  return row && toTrackedCase(row);
}

export async function setCaseState(db: AgentDb, caseId: string, state: CaseState): Promise<void> {
  await caseStateUpdate(db, caseId, state).execute();
}

/** The UPDATE of setCaseState, not run yet (to send alongside another write: executeWith). */
export function caseStateUpdate(db: AgentDb, caseId: string, state: CaseState) {
  return casesStateUpdate(db, [caseId], state);
}

/** `caseStateUpdate` of several cases. */
export function casesStateUpdate(db: AgentDb, caseIds: readonly string[], state: CaseState) {
  return db.updateTable('tracked_case').set({ state }).where('case_id', '=', sql<string>`any(${caseIds}::uuid[])`);
}

export async function hasWaitingCases(db: AgentDb): Promise<boolean> {
  const row = await db.selectFrom('tracked_case').select('case_id').where('state', '=', 'waiting').limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function countWaiting(db: AgentDb): Promise<number> {
  const row = await db
    .selectFrom('tracked_case')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('state', '=', 'waiting')
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export interface QueueEntry extends TrackedCase {
  position: number;
  priorityRank: number;
}

export interface QueueQuery {
  limit: number;
  /** Continue after this entry's sort key. */
  after?: { priorityRank: number; queuedAt: Date; caseId: string };
}

/**
 * The waiting cases in take order, each with its position in the whole queue; `limit + 1` rows so
 * the caller knows whether there is more.
 */
export async function listQueue(db: AgentDb, query: QueueQuery): Promise<QueueEntry[]> {
  const ranked = db
    .selectFrom('tracked_case')
    .selectAll()
    .select(sql<number>`row_number() over (order by priority_rank desc, queued_at, case_id)`.as('position'))
    .where('state', '=', 'waiting')
    .as('q');
  let q = db.selectFrom(ranked).selectAll();
  if (query.after) {
    const { priorityRank: rank, queuedAt, caseId } = query.after;
    q = q.where((eb) =>
      eb.or([
        eb('priority_rank', '<', rank),
        eb.and([
          eb('priority_rank', '=', rank),
          eb.or([eb('queued_at', '>', queuedAt), eb.and([eb('queued_at', '=', queuedAt), eb('case_id', '>', caseId)])]),
        ]),
      ]),
    );
  }
  const rows = await q.orderBy('position').limit(query.limit + 1).execute();
  return rows.map((r) => ({ ...toTrackedCase(r), position: Number(r.position), priorityRank: r.priority_rank }));
}
