import { sql, type Transaction } from 'kysely';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import { executeWith, type Statement } from '@helmdesk/platform';
import { mailsFor } from '../domain/mail-plan';
import type { ProjectionWrites } from '../store/cases';
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
 * The deliveries of the mails an event causes (mail-plan.ts), not run yet; null when it causes
 * none. The recipients are resolved by the statement itself: the agent from the event, the
 * customer from `customerId` or else from the case projection as it stood before the statement
 * (case.created wrote it earlier), the address from the user projection. A recipient not known
 * yet (its user.created not consumed yet) is logged as its id and resolved when the mail is sent.
 * (event_id, channel, audience) is unique: the same event again adds nothing.
 */
export function caseMails(event: HelmdeskEvent, context: CaseMailContext, customerId: string | null): Statement | null {
  const planned = mailsFor(event.type);
  if (planned.length === 0) return null;
  return sql`
    insert into delivery (event_id, event, channel, audience, recipient, recipient_user_id, template, context)
    select ${event.id}, ${event.type}, 'email', m.audience,
           coalesce(u.email, case when m.user_id is null then ${`customer of case ${context.caseId}`} else 'user ' || m.user_id end),
           m.user_id, m.template, ${JSON.stringify(context)}::jsonb
      from (select p.audience, p.template,
                   case when p.audience = 'agent' then ${context.agentId ?? null}::uuid
                        else coalesce(${customerId}::uuid, (select customer_id from case_projection where id = ${context.caseId}::uuid))
                   end as user_id
              from unnest(${planned.map((m) => m.audience)}::text[], ${planned.map((m) => m.template)}::text[]) as p(audience, template)) m
      left join user_projection u on u.id = m.user_id
    on conflict (event_id, channel, audience) do nothing`;
}

/** A case event's writes: its projection and activity, and its mails (null: none). */
export interface CaseEventWrites {
  caseId: string;
  projection: ProjectionWrites;
  mails: Statement | null;
}

/**
 * Case events' projection writes and mails, in as few statements as can be: consecutive events of
 * different cases share one statement (data-modifying CTEs, all applied atomically); an event of
 * a case already in the statement starts the next one, since a statement may change a row only
 * once and its parts do not see each other's writes. So events of one case still apply in order.
 */
export async function applyCaseEvents(trx: Transaction<NotificationDb>, events: readonly CaseEventWrites[]): Promise<void> {
  let statements: Statement[] = [];
  let cases = new Set<string>();
  const send = async () => {
    const main = statements.pop();
    if (main) await executeWith(trx, main, statements);
    statements = [];
    cases = new Set();
  };
  for (const { caseId, projection, mails } of events) {
    if (cases.has(caseId)) await send();
    cases.add(caseId);
    statements.push(...projection, ...(mails ? [mails] : []));
  }
  await send();
}
