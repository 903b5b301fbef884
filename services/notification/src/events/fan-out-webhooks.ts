import type { Transaction } from 'kysely';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import { enqueueDeliveries } from '../store/deliveries';
import type { NotificationDb } from '../store/schema';
import { subscribedWebhooks } from '../store/webhooks';

/** One webhook delivery per enabled webhook subscribed to the event's topic; the body is the CloudEvent. */
export async function fanOutToWebhooks(trx: Transaction<NotificationDb>, event: HelmdeskEvent): Promise<void> {
  const webhooks = await subscribedWebhooks(trx, event.type);
  await enqueueDeliveries(
    trx,
    webhooks.map((w) => ({
      eventId: event.id,
      event: event.type,
      channel: 'webhook' as const,
      audience: w.id,
      recipient: w.url,
      webhookId: w.id,
      context: { ...event },
    })),
  );
}
