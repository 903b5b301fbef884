import type { Transaction } from 'kysely';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import { mailsFor, type MailAudience } from '../domain/mail-plan';
import { enqueueDeliveries } from '../store/deliveries';
import type { NotificationDb } from '../store/schema';
import { findUsers } from '../store/users';

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
 * (its user.created not consumed yet, or the case's customer: null) is resolved then.
 */
export async function enqueueCaseMails(
  trx: Transaction<NotificationDb>,
  event: HelmdeskEvent,
  context: CaseMailContext,
  customerId: string | null,
): Promise<void> {
  const planned = mailsFor(event.type);
  if (planned.length === 0) return;
  const userIdOf = (audience: MailAudience) => (audience === 'agent' ? context.agentId : customerId) ?? null;
  const userIds = planned.map((mail) => userIdOf(mail.audience)).filter((id): id is string => id !== null);
  const users = await findUsers(trx, [...new Set(userIds)]);
  const deliveries = [];
  for (const mail of planned) {
    const userId = userIdOf(mail.audience);
    const user = userId ? users.get(userId) : undefined;
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
