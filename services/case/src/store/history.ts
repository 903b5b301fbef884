import { sql, type Kysely } from 'kysely';
import type { HistoryEntry } from '../domain/history';
import type { CaseDatabase } from './tables';

type Db = Kysely<CaseDatabase>;

/**
 * Appends an entry to a case's history. An entry of an event already recorded (same event id)
 * is not written again; returns whether it was written.
 */
export async function appendHistory(db: Db, caseId: string, entry: HistoryEntry): Promise<boolean> {
  const inserted = await historyInsert(db, caseId, entry).executeTakeFirst();
  return inserted !== undefined;
}

/** The INSERT of appendHistory, not run yet (see openCase). */
export function historyInsert(db: Db, caseId: string, entry: HistoryEntry) {
  return db
    .insertInto('history')
    .values({
      case_id: caseId,
      type: entry.type,
      at: entry.at,
      actor_id: entry.actorId,
      data: JSON.stringify(entry.data),
      event_id: entry.eventId,
    })
    .onConflict((oc) => oc.column('event_id').doNothing())
    .returning('seq');
}

/**
 * The INSERT of a consumer batch's entries (of any cases), in the order given, not run yet. One
 * text whatever their number (a column per array parameter), so the statement it is sent in is
 * prepared once per connection rather than planned for every new batch size (ADR 0030). An entry
 * of an event already recorded is skipped. The list must not be empty.
 */
export function historyBatchInsert(entries: readonly { caseId: string; entry: HistoryEntry }[]) {
  const column = <V>(pick: (e: { caseId: string; entry: HistoryEntry }) => V): V[] => entries.map(pick);
  return sql`
    insert into history (case_id, type, at, actor_id, data, event_id)
    select case_id, type, at, actor_id, data, event_id
      from unnest(${column((e) => e.caseId)}::uuid[], ${column((e) => e.entry.type)}::text[], ${column((e) => e.entry.at)}::timestamptz[],
                  ${column((e) => e.entry.actorId)}::uuid[], ${column((e) => JSON.stringify(e.entry.data))}::jsonb[],
                  ${column((e) => e.entry.eventId)}::text[])
           with ordinality as e(case_id, type, at, actor_id, data, event_id, n)
     order by n
    on conflict (event_id) do nothing`;
}

/**
 * The whole history of a case in the order things happened: its creation first (its time is our
 * clock, the agent service's events carry theirs), then by time; at the same instant in
 * lifecycle order (requeued, assigned, commented, resolved), then in the order recorded.
 */
export async function caseHistory(db: Db, caseId: string): Promise<HistoryEntry[]> {
  const rows = await db
    .selectFrom('history')
    .select(['type', 'at', 'actor_id', 'data', 'event_id'])
    .where('case_id', '=', caseId)
    .orderBy(sql`type <> 'case.created'`)
    .orderBy('at')
    .orderBy(
      sql`case type when 'case.requeued' then 1 when 'case.assigned' then 2 when 'case.commented' then 3 else 4 end`,
    )
    .orderBy('seq')
    .execute();
  return rows.map((r) => ({ type: r.type, at: r.at, actorId: r.actor_id, data: r.data, eventId: r.event_id }));
}
