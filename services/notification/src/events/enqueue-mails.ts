import { sql, type Transaction } from 'kysely';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import { mailsFor } from '../domain/mail-plan';
import { projectionWrites, type ProjectionChange } from '../store/cases';
import type { NotificationDb } from '../store/schema';

/** What a case mail needs besides the projections: ids and the facts of the event itself. */
export interface CaseMailContext {
  caseId: string;
  agentId?: string;
  assignedAt?: string;
  resolvedAt?: string;
  resolution?: string | null;
}

/**
 * A mail an event causes (mail-plan.ts), as data: one row of the batch that `applyCaseEvents`
 * writes. The agent comes from the event; the customer from `customer_id` when the event names
 * it, or else from the case projection as it stood before the statement (case.created wrote it
 * earlier).
 */
export interface PlannedDelivery {
  event_id: string;
  event: string;
  audience: string;
  template: string;
  case_id: string;
  agent_id: string | null;
  customer_id: string | null;
  context: CaseMailContext;
}

/** The mails an event causes, as rows (none for most topics). */
export function caseMails(event: HelmdeskEvent, context: CaseMailContext, customerId: string | null): PlannedDelivery[] {
  return mailsFor(event.type).map((m) => ({
    event_id: event.id,
    event: event.type,
    audience: m.audience,
    template: m.template,
    case_id: context.caseId,
    agent_id: context.agentId ?? null,
    customer_id: customerId,
    context,
  }));
}

/** A case event's writes: its projection change and activity, and its mails. */
export interface CaseEventWrites {
  caseId: string;
  projection: ProjectionChange;
  mails: PlannedDelivery[];
}

/**
 * One statement of fixed text for any number of case events, each of a different case: the
 * events and their mails arrive as two JSON arrays. A fixed text is prepared once per connection
 * and planned once; the statement it replaced held one part per event and cost more to plan than
 * to run (ADR 0030). The address is resolved by the statement itself from the user projection; a
 * recipient not known yet (its user.created not consumed yet) is logged as its id and resolved
 * when the mail is sent. (event_id, channel, audience) is unique: the same event again adds no
 * mail.
 */
const writeCaseEvents = (changes: ProjectionChange[], mails: PlannedDelivery[]) => sql`
  with changes as (
    select * from jsonb_to_recordset(${JSON.stringify(changes)}::jsonb) as c(
      event_id text, case_id uuid, activity text, at timestamptz, opened boolean,
      customer_id uuid, subject text, priority text, status text, assignee_id uuid,
      assigned_at timestamptz, queued_at timestamptz, resolved_at timestamptz, resolution text)
  ),
  ${projectionWrites},
  planned as (
    select d.event_id, d.event, d.audience, d.template, d.case_id, d.context,
           case when d.audience = 'agent' then d.agent_id
                else coalesce(d.customer_id, (select p.customer_id from case_projection p where p.id = d.case_id))
           end as user_id
      from jsonb_to_recordset(${JSON.stringify(mails)}::jsonb) as d(
        event_id text, event text, audience text, template text, case_id uuid, agent_id uuid, customer_id uuid, context jsonb)
  )
  insert into delivery (event_id, event, channel, audience, recipient, recipient_user_id, template, context)
  select m.event_id, m.event, 'email', m.audience,
         coalesce(u.email, case when m.user_id is null then 'customer of case ' || m.case_id else 'user ' || m.user_id end),
         m.user_id, m.template, m.context
    from planned m
    left join user_projection u on u.id = m.user_id
  on conflict (event_id, channel, audience) do nothing`;

/**
 * Case events' projection writes and mails, in as few statements as can be: consecutive events of
 * different cases share one statement; an event of a case already in the statement starts the
 * next one, since a statement may change a row only once and its parts do not see each other's
 * writes. So events of one case still apply in order.
 */
export async function applyCaseEvents(trx: Transaction<NotificationDb>, events: readonly CaseEventWrites[]): Promise<void> {
  let changes: ProjectionChange[] = [];
  let mails: PlannedDelivery[] = [];
  let cases = new Set<string>();
  const send = async () => {
    if (changes.length > 0) await writeCaseEvents(changes, mails).execute(trx);
    changes = [];
    mails = [];
    cases = new Set();
  };
  for (const { caseId, projection, mails: planned } of events) {
    if (cases.has(caseId)) await send();
    cases.add(caseId);
    changes.push(projection);
    mails.push(...planned);
  }
  await send();
}
