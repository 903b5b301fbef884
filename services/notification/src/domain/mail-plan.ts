import type { Topic } from '@helmdesk/contracts';
import type { TemplateKey } from './templates';

/**
 * Who gets a mail for which event (API.md): the customer when their case is opened, assigned and
 * resolved; the agent when a case is assigned to them. The audience names the recipient within
 * the event — one case has one customer, one assignment one agent — so (event, channel, audience)
 * is the unique key of a delivery however late the recipient's address becomes known.
 */
export type MailAudience = 'customer' | 'agent';

export interface PlannedMail {
  template: TemplateKey;
  audience: MailAudience;
}

const plan: Partial<Record<Topic, PlannedMail[]>> = {
  'case.created': [{ template: 'case.opened.customer', audience: 'customer' }],
  'case.assigned': [
    { template: 'case.assigned.customer', audience: 'customer' },
    { template: 'case.assigned.agent', audience: 'agent' },
  ],
  'case.resolved': [{ template: 'case.resolved.customer', audience: 'customer' }],
};

export function mailsFor(topic: Topic): PlannedMail[] {
  return plan[topic] ?? [];
}
