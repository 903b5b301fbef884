import type { Transaction } from 'kysely';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import { enqueueDeliveries } from '../store/deliveries';
import type { NotificationDb } from '../store/schema';
import { subscribedWebhooks, type WebhookRow } from '../store/webhooks';

/**
 * The subscriptions per topic, read once per consumer transaction: a batch of events is applied
 * in one transaction, and every event of it sees the webhooks as they were at its first read.
 */
const subscriptionsOf = new WeakMap<Transaction<NotificationDb>, Map<string, Promise<WebhookRow[]>>>();

function subscribed(trx: Transaction<NotificationDb>, topic: string): Promise<WebhookRow[]> {
  let byTopic = subscriptionsOf.get(trx);
  if (!byTopic) subscriptionsOf.set(trx, (byTopic = new Map()));
  let webhooks = byTopic.get(topic);
  if (!webhooks) byTopic.set(topic, (webhooks = subscribedWebhooks(trx, topic)));
  return webhooks;
}

/** One webhook delivery per enabled webhook subscribed to the event's topic; the body is the CloudEvent. */
export async function fanOutToWebhooks(trx: Transaction<NotificationDb>, event: HelmdeskEvent): Promise<void> {
  const webhooks = await subscribed(trx, event.type);
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
