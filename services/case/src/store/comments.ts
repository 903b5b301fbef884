import type { Kysely } from 'kysely';
import type { Role } from '@helmdesk/contracts';
import type { CaseDatabase, CommentRow } from './tables';

type Db = Kysely<CaseDatabase>;

export interface CommentRecord {
  id: string;
  /** Insertion order, the key comments are listed and paged by. */
  seq: number;
  caseId: string;
  authorId: string;
  authorRole: Role;
  body: string;
  createdAt: Date;
}

function toRecord(row: CommentRow): CommentRecord {
  return {
    id: row.id,
    seq: row.seq,
    caseId: row.case_id,
    authorId: row.author_id,
    authorRole: row.author_role,
    body: row.body,
    createdAt: row.created_at,
  };
}

export async function insertComment(
  db: Db,
  c: { id: string; caseId: string; authorId: string; authorRole: Role; body: string },
): Promise<CommentRecord> {
  const row = await db
    .insertInto('comments')
    .values({ id: c.id, case_id: c.caseId, author_id: c.authorId, author_role: c.authorRole, body: c.body })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toRecord(row);
}

/** Comments of a case oldest first, after the given position; `limit` of them. */
export async function listComments(
  db: Db,
  q: { caseId: string; afterSeq?: number; limit: number },
): Promise<CommentRecord[]> {
  let query = db.selectFrom('comments').selectAll().where('case_id', '=', q.caseId);
  if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
  const rows = await query.orderBy('seq').limit(q.limit).execute();
  return rows.map(toRecord);
}
