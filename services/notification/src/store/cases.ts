import { sql, type Kysely } from 'kysely';
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
 * A case event's change to the projections, as data: one row of the batch that
 * `applyCaseEvents` (events/enqueue-mails.ts) writes with one statement of fixed text. `opened` rows
 * carry the case's content; the others a status change, whose optional times are null when the
 * event does not set them. Times are ISO strings.
 */
export interface ProjectionChange {
  event_id: string;
  case_id: string;
  activity: ActivityKind;
  /** When it happened: the activity's time, and the status change's. */
  at: string;
  opened: boolean;
  customer_id: string | null;
  subject: string | null;
  priority: string | null;
  status: CaseStatus | null;
  assignee_id: string | null;
  assigned_at: string | null;
  queued_at: string | null;
  resolved_at: string | null;
  resolution: string | null;
}

/**
 * case.created: the case's content, and its activity. A status set meanwhile by a later event is
 * kept.
 */
export function caseOpened(c: CaseOpened, activity: Activity): ProjectionChange {
  return {
    event_id: activity.eventId,
    case_id: c.caseId,
    activity: activity.kind,
    at: c.createdAt.toISOString(),
    opened: true,
    customer_id: c.customerId,
    subject: c.subject,
    priority: c.priority,
    status: null,
    assignee_id: null,
    assigned_at: null,
    queued_at: null,
    resolved_at: null,
    resolution: null,
  };
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
export function statusChanged(s: StatusChange, activity: Activity): ProjectionChange {
  return {
    event_id: activity.eventId,
    case_id: s.caseId,
    activity: activity.kind,
    at: s.at.toISOString(),
    opened: false,
    customer_id: null,
    subject: null,
    priority: null,
    status: s.status,
    assignee_id: s.assigneeId,
    assigned_at: s.assignedAt?.toISOString() ?? null,
    queued_at: s.queuedAt?.toISOString() ?? null,
    resolved_at: s.resolvedAt?.toISOString() ?? null,
    resolution: s.resolvedAt ? (s.resolution ?? null) : null,
  };
}

/**
 * The projection part of the case-event statement, over `changes` (a CTE of ProjectionChange
 * rows): the content of opened cases, the newer status changes, and the activity rows.
 */
export const projectionWrites = sql`
  opened as (
    insert into case_projection (id, customer_id, subject, priority, created_at, status, status_at, queued_at)
    select case_id, customer_id, subject, priority, at, 'open', at, at from changes where opened
    on conflict (id) do update set
      customer_id = excluded.customer_id,
      subject = excluded.subject,
      priority = excluded.priority,
      created_at = excluded.created_at,
      queued_at = coalesce(case_projection.queued_at, excluded.queued_at)
  ),
  status_changed as (
    insert into case_projection (id, status, status_at, assignee_id, assigned_at, queued_at, resolved_at, resolution)
    select case_id, status, at, assignee_id, assigned_at, queued_at, resolved_at, resolution from changes where not opened
    on conflict (id) do update set
      status = excluded.status,
      status_at = excluded.status_at,
      assignee_id = excluded.assignee_id,
      assigned_at = coalesce(excluded.assigned_at, case_projection.assigned_at),
      queued_at = coalesce(excluded.queued_at, case_projection.queued_at),
      resolved_at = coalesce(excluded.resolved_at, case_projection.resolved_at),
      resolution = case when excluded.resolved_at is null then case_projection.resolution else excluded.resolution end
    where case_projection.status_at <= excluded.status_at
  ),
  activity as (
    insert into case_activity (event_id, case_id, kind, at)
    select event_id, case_id, activity, at from changes
    on conflict (event_id) do nothing
  )`;

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
