import { sql, type Compilable, type Kysely } from 'kysely';
import { executeWith, type Statement } from '@helmdesk/platform';
import type { CasePriority } from '@helmdesk/contracts';
import type { CaseLifecycle, CaseRecord, CaseStatus } from '../domain/case';
import type { CaseDatabase, CaseRow } from './tables';

type Db = Kysely<CaseDatabase>;

function toRecord(row: CaseRow): CaseRecord {
  return {
    id: row.id,
    subject: row.subject,
    description: row.description,
    priority: row.priority,
    status: row.status,
    customerId: row.customer_id,
    assigneeId: row.assignee_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    assignedAt: row.assigned_at,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    statusAt: row.status_at,
  };
}

export interface NewCase {
  id: string;
  subject: string;
  description: string;
  priority: CasePriority;
  customerId: string;
}

/**
 * Opens a case in one statement: the case row, with the inserts that must commit with it (its
 * `case.created` outbox row, its first history entry) run as data-modifying CTEs of the same
 * statement, which Postgres applies atomically. One round trip instead of a transaction of five:
 * opening cases is the platform's busiest write. Creation time is the caller's, so the event and
 * the history entry built beforehand carry the same instant.
 */
export async function openCase(db: Db, c: NewCase & { createdAt: Date }, alongside: Compilable[]): Promise<CaseRecord> {
  const insert = db
    .insertInto('cases')
    .values({
      id: c.id,
      subject: c.subject,
      description: c.description,
      priority: c.priority,
      customer_id: c.customerId,
      created_at: c.createdAt,
    })
    .returningAll();
  const [row] = await executeWith(db, insert, alongside);
  return toRecord(row!);
}

export async function findCase(db: Db, id: string): Promise<CaseRecord | undefined> {
  const row = await db.selectFrom('cases').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toRecord(row);
}

/** Reads a case and locks it until the transaction ends (events of one case apply one at a time). */
export async function lockCase(trx: Db, id: string): Promise<CaseRecord | undefined> {
  const row = await trx.selectFrom('cases').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row && toRecord(row);
}

/** `lockCase` of several cases (in id order, so that two transactions cannot deadlock on them). */
export async function lockCases(trx: Db, ids: readonly string[]): Promise<Map<string, CaseRecord>> {
  if (ids.length === 0) return new Map();
  const rows = await trx
    .selectFrom('cases')
    .selectAll()
    .where('id', '=', sql<string>`any(${ids}::uuid[])`)
    .orderBy('id')
    .forUpdate()
    .execute();
  return new Map(rows.map((r) => [r.id, toRecord(r)]));
}

/**
 * Writes cases' new lifecycle states in one statement (one array parameter per column), with
 * `alongside` (their history entries) in the same statement.
 */
export async function saveLifecycles(trx: Db, states: ReadonlyMap<string, CaseLifecycle>, alongside: Statement[] = []): Promise<void> {
  const all = [...states];
  const column = <V>(pick: (s: CaseLifecycle) => V): V[] => all.map(([, s]) => pick(s));
  const update = sql`
    update cases c
       set status = v.status, assignee_id = v.assignee_id, assigned_at = v.assigned_at, resolved_at = v.resolved_at,
           resolution = v.resolution, status_at = v.status_at, updated_at = now()
      from unnest(${all.map(([id]) => id)}::uuid[], ${column((s) => s.status)}::text[], ${column((s) => s.assigneeId)}::uuid[],
                  ${column((s) => s.assignedAt)}::timestamptz[], ${column((s) => s.resolvedAt)}::timestamptz[],
                  ${column((s) => s.resolution)}::text[], ${column((s) => s.statusAt)}::timestamptz[])
           as v(id, status, assignee_id, assigned_at, resolved_at, resolution, status_at)
     where c.id = v.id`;
  await executeWith(trx, update, alongside);
}

export interface CaseListQuery {
  customerId?: string;
  assigneeId?: string;
  status?: CaseStatus;
  priority?: CasePriority;
  /** Continue after this (createdAt, id): the last case of the previous page. */
  after?: { createdAt: Date; id: string };
  limit: number;
}

/** Cases newest first (ties by id), `limit` of them; callers pass limit + 1 to learn if more follow. */
export async function listCases(db: Db, q: CaseListQuery): Promise<CaseRecord[]> {
  let query = db.selectFrom('cases').selectAll();
  if (q.customerId !== undefined) query = query.where('customer_id', '=', q.customerId);
  if (q.assigneeId !== undefined) query = query.where('assignee_id', '=', q.assigneeId);
  if (q.status !== undefined) query = query.where('status', '=', q.status);
  if (q.priority !== undefined) query = query.where('priority', '=', q.priority);
  const after = q.after;
  if (after) {
    query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '<', eb.tuple(after.createdAt, after.id)));
  }
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
  return rows.map(toRecord);
}

/** Marks a case as changed (a comment was added). */
export async function touchCase(db: Db, id: string, at: Date): Promise<void> {
  await db.updateTable('cases').set({ updated_at: at }).where('id', '=', id).execute();
}
