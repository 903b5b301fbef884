import type { Kysely } from 'kysely';
import { isTemplateKey, renderTemplate, type RenderedMail, type TemplateValues } from '../domain/templates';
import type { CaseMailContext } from '../events/enqueue-mails';
import { findCase } from '../store/cases';
import type { DeliveryRow } from '../store/deliveries';
import type { NotificationDb } from '../store/schema';
import type { TemplateRow } from '../store/templates';
import { findUsers } from '../store/users';

export type Composed =
  | { ready: true; to: string; mail: RenderedMail }
  /** `permanent`: it can never be sent (recipient disabled, template gone); otherwise not yet. */
  | { ready: false; reason: string; permanent: boolean };

const notYet = (reason: string): Composed => ({ ready: false, reason, permanent: false });
const never = (reason: string): Composed => ({ ready: false, reason, permanent: true });

/**
 * Builds a mail when it is sent, from the template as it is now and the projections: the recipient
 * and names may have been learnt after the event (events of different topics are not ordered).
 */
export async function composeEmail(
  db: Kysely<NotificationDb>,
  row: DeliveryRow,
  templates: Map<string, TemplateRow>,
): Promise<Composed> {
  if (!row.template || !isTemplateKey(row.template)) return never(`unknown template ${row.template}`);
  const template = templates.get(row.template);
  if (!template) return never(`template ${row.template} is missing`);
  if (row.template === 'digest.daily') {
    return { ready: true, to: row.recipient, mail: renderTemplate(template, row.context as TemplateValues) };
  }
  const context = row.context as unknown as CaseMailContext;
  const kase = await findCase(db, context.caseId);
  if (!kase?.customer_id || kase.subject === null) return notYet(`case ${context.caseId} is not known yet`);
  const users = await findUsers(db, context.agentId ? [kase.customer_id, context.agentId] : [kase.customer_id]);
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
