import { sql, type Kysely } from 'kysely';
import { isTemplateKey, renderTemplate, type RenderedMail, type TemplateValues } from '../domain/templates';
import type { CaseMailContext } from '../events/enqueue-mails';
import type { DeliveryRow } from '../store/deliveries';
import type { CaseProjectionTable, NotificationDb, UserProjectionTable } from '../store/schema';
import type { TemplateRow } from '../store/templates';

export type Composed =
  | { ready: true; to: string; mail: RenderedMail }
  /** `permanent`: it can never be sent (recipient disabled, template gone); otherwise not yet. */
  | { ready: false; reason: string; permanent: boolean };

const notYet = (reason: string): Composed => ({ ready: false, reason, permanent: false });
const never = (reason: string): Composed => ({ ready: false, reason, permanent: true });

/** What composing a set of mails reads: the templates, and the cases and users they name. */
export interface MailFacts {
  templates: Map<string, TemplateRow>;
  cases: Map<string, CaseProjectionTable>;
  users: Map<string, UserProjectionTable>;
}

/** `json_agg` gives timestamps as text: the `*_at` columns back to Dates. */
function withDates<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = { ...row };
  for (const [key, value] of Object.entries(row)) if (key.endsWith('_at') && typeof value === 'string') out[key] = new Date(value);
  return out as T;
}

const byKey = <T, K>(rows: Record<string, unknown>[] | null, key: (row: T) => K) =>
  new Map((rows ?? []).map((r) => withDates<T>(r)).map((r) => [key(r), r] as const));

/**
 * Reads, in one statement whatever their number, what the mails among `rows` need: the templates
 * as they are now, the cases, and their customers and agents.
 */
export async function mailFacts(db: Kysely<NotificationDb>, rows: DeliveryRow[]): Promise<MailFacts> {
  if (!rows.some((r) => r.channel === 'email')) return { templates: new Map(), cases: new Map(), users: new Map() };
  const caseMails = rows
    .filter((r) => r.channel === 'email' && r.template !== 'digest.daily')
    .map((r) => r.context as unknown as CaseMailContext);
  const caseIds = [...new Set(caseMails.map((c) => c.caseId))];
  const agentIds = [...new Set(caseMails.flatMap((c) => (c.agentId ? [c.agentId] : [])))];
  type Json = Record<string, unknown>[] | null;
  const { rows: found } = await sql<{ templates: Json; cases: Json; users: Json }>`
    select (select json_agg(t) from template t) as templates,
           (select json_agg(c) from case_projection c where c.id = any(${caseIds}::uuid[])) as cases,
           (select json_agg(u) from user_projection u
             where u.id = any(${agentIds}::uuid[])
                or u.id in (select customer_id from case_projection where id = any(${caseIds}::uuid[]))) as users`.execute(db);
  const facts = found[0]!;
  return {
    templates: byKey<TemplateRow, string>(facts.templates, (t) => t.key),
    cases: byKey<CaseProjectionTable, string>(facts.cases, (c) => c.id),
    users: byKey<UserProjectionTable, string>(facts.users, (u) => u.id),
  };
}

/**
 * Builds a mail when it is sent, from the template as it is now and the projections: the recipient
 * and names may have been learnt after the event (events of different topics are not ordered).
 */
export function composeEmail(row: DeliveryRow, { templates, cases, users }: MailFacts): Composed {
  if (!row.template || !isTemplateKey(row.template)) return never(`unknown template ${row.template}`);
  const template = templates.get(row.template);
  if (!template) return never(`template ${row.template} is missing`);
  if (row.template === 'digest.daily') {
    return { ready: true, to: row.recipient, mail: renderTemplate(template, row.context as TemplateValues) };
  }
  const context = row.context as unknown as CaseMailContext;
  const kase = cases.get(context.caseId);
  if (!kase?.customer_id || kase.subject === null) return notYet(`case ${context.caseId} is not known yet`);
  const customer = users.get(kase.customer_id);
  if (!customer) return notYet(`customer ${kase.customer_id} is not known yet`);
  const agent = context.agentId ? users.get(context.agentId) : undefined;
  if (context.agentId && !agent) return notYet(`agent ${context.agentId} is not known yet`);
  const recipient = row.audience === 'agent' ? agent! : customer;
  if (recipient.disabled) return never(`the recipient's account (${recipient.id}) is disabled`);
  const values: TemplateValues = {
    'case.id': kase.id,
    'case.subject': kase.subject,
    'case.priority': kase.priority ?? '',
    'case.createdAt': kase.created_at?.toISOString() ?? '',
    'case.assignedAt': context.assignedAt ?? '',
    'case.resolvedAt': context.resolvedAt ?? '',
    'case.resolution': context.resolution || 'No resolution note was given.',
    'customer.name': customer.name,
    'customer.email': customer.email,
    'agent.name': agent?.name ?? '',
    'agent.email': agent?.email ?? '',
  };
  return { ready: true, to: recipient.email, mail: renderTemplate(template, values) };
}
