import { sql, type Compilable, type Kysely } from 'kysely';
import type { ActivityKind, CaseStatus, NotificationDb } from './schema';

type Db = Kysely<NotificationDb>;

export interface CaseOpened {
  caseId: string;
  customerId: string;
  subject: string;
  priority: string;
  createdAt: Date;
}

/** The event a projection change comes from (its case activity row). */
export interface Activity {
  eventId: string;
  kind: ActivityKind;
}

/**
 * The writes of a case event to the projections, not run yet: the handler sends them in one
 * statement with the mails the event causes (executeWith).
 */
export type ProjectionWrites = [Compilable, ...Compilable[]];

/** The activity row of an event (once per event). */
function activityInsert(db: Db, caseId: string, activity: Activity, at: Date) {
  return db
    .insertInto('case_activity')
    .values({ event_id: activity.eventId, case_id: caseId, kind: activity.kind, at })
    .onConflict((oc) => oc.column('event_id').doNothing());
}

/**
 * case.created: the case's content, and its activity. A status set meanwhile by a later event is
 * kept.
 */
export function caseOpened(db: Db, c: CaseOpened, activity: Activity): ProjectionWrites {
  const upsert = db
    .insertInto('case_projection')
    .values({
      id: c.caseId,
      customer_id: c.customerId,
      subject: c.subject,
      priority: c.priority,
      created_at: c.createdAt,
      status: 'open',
      status_at: c.createdAt,
      queued_at: c.createdAt,
      assignee_id: null,
      assigned_at: null,
      resolved_at: null,
      resolution: null,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        customer_id: eb.ref('excluded.customer_id'),
        subject: eb.ref('excluded.subject'),
        priority: eb.ref('excluded.priority'),
        created_at: eb.ref('excluded.created_at'),
        queued_at: sql<Date>`coalesce(case_projection.queued_at, excluded.queued_at)`,
      })),
    );
  return [upsert, activityInsert(db, c.caseId, activity, c.createdAt)];
}

export interface StatusChange {
  caseId: string;
  status: CaseStatus;
  at: Date;
  assigneeId: string | null;
  assignedAt?: Date;
  queuedAt?: Date;
  resolvedAt?: Date;
  resolution?: string | null;
}

/**
 * case.assigned / case.requeued / case.resolved, and its activity. Applied only when newer than
 * the status held, so events of different topics arriving out of order converge on the latest
 * state. A case not known yet gets a row without content until its case.created arrives.
 */
export function statusChanged(db: Db, s: StatusChange, activity: Activity): ProjectionWrites {
  const set = {
    status: s.status,
    status_at: s.at,
    assignee_id: s.assigneeId,
    ...(s.assignedAt ? { assigned_at: s.assignedAt } : {}),
    ...(s.queuedAt ? { queued_at: s.queuedAt } : {}),
    ...(s.resolvedAt ? { resolved_at: s.resolvedAt, resolution: s.resolution ?? null } : {}),
  };
  const upsert = db
    .insertInto('case_projection')
    .values({ id: s.caseId, customer_id: null, subject: null, priority: null, created_at: null, ...set })
    .onConflict((oc) => oc.column('id').doUpdateSet(set).where('case_projection.status_at', '<=', s.at));
  return [upsert, activityInsert(db, s.caseId, activity, s.at)];
}

export interface DayFigures {
  opened: number;
  assigned: number;
  resolved: number;
}

/** Cases opened, assigned (each case once) and resolved in [start, end). */
export async function activityBetween(db: Db, start: Date, end: Date): Promise<DayFigures> {
  const row = await db
    .selectFrom('case_activity')
    .select([
      sql<number>`count(*) filter (where kind = 'opened')::int`.as('opened'),
      sql<number>`count(distinct case_id) filter (where kind = 'assigned')::int`.as('assigned'),
      sql<number>`count(*) filter (where kind = 'resolved')::int`.as('resolved'),
    ])
    .where('at', '>=', start)
    .where('at', '<', end)
    .executeTakeFirstOrThrow();
  return row;
}

export interface WaitingFigures {
  waiting: number;
  oldest: { id: string; subject: string | null; since: Date } | null;
}

/** Cases waiting for an agent now, and the one waiting longest. */
export async function waitingNow(db: Db): Promise<WaitingFigures> {
  const { waiting } = await db
    .selectFrom('case_projection')
    .select(sql<number>`count(*)::int`.as('waiting'))
    .where('status', '=', 'open')
    .executeTakeFirstOrThrow();
  const oldest = await db
    .selectFrom('case_projection')
    .select(['id', 'subject', 'queued_at'])
    .where('status', '=', 'open')
    .where('queued_at', 'is not', null)
    .orderBy('queued_at')
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  return { waiting, oldest: oldest ? { id: oldest.id, subject: oldest.subject, since: oldest.queued_at! } : null };
}
