import type { Transaction } from 'kysely';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import { mailsFor, type MailAudience } from '../domain/mail-plan';
import { findCase } from '../store/cases';
import { enqueueDeliveries } from '../store/deliveries';
import type { NotificationDb } from '../store/schema';
import { findUser } from '../store/users';

/** What a case mail needs besides the projections: ids and the facts of the event itself. */
export interface CaseMailContext {
  caseId: string;
  agentId?: string;
  assignedAt?: string;
  resolvedAt?: string;
  resolution?: string | null;
}

/**
 * Records the mails an event causes (mail-plan.ts), in the consumer's transaction. The recipient's
 * address is looked up now for the log and again when the mail is sent; a recipient not known yet
 * (its user.created not consumed yet) is resolved then.
 */
export async function enqueueCaseMails(
  trx: Transaction<NotificationDb>,
  event: HelmdeskEvent,
  context: CaseMailContext,
): Promise<void> {
  const planned = mailsFor(event.type);
  if (planned.length === 0) return;
  const kase = await findCase(trx, context.caseId);
  const userIdOf = (audience: MailAudience) => (audience === 'agent' ? context.agentId : kase?.customer_id) ?? null;
  const deliveries = [];
  for (const mail of planned) {
    const userId = userIdOf(mail.audience);
    const user = userId ? await findUser(trx, userId) : undefined;
    deliveries.push({
      eventId: event.id,
      event: event.type,
      channel: 'email' as const,
      audience: mail.audience,
      recipient: user?.email ?? (userId ? `user ${userId}` : `customer of case ${context.caseId}`),
      recipientUserId: userId,
      template: mail.template,
      context: { ...context },
    });
  }
  await enqueueDeliveries(trx, deliveries);
}
