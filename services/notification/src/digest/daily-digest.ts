import { sql, type Kysely } from 'kysely';
import { digestValues } from '../domain/digest-content';
import { digestWindow } from '../domain/digest-schedule';
import { activityBetween, waitingNow } from '../store/cases';
import { enqueueDeliveries } from '../store/deliveries';
import { recordDigest } from '../store/digests';
import type { NotificationDb } from '../store/schema';

export interface EnqueuedDigest {
  id: string;
  /** The delivery that sends it. */
  deliveryId: string;
  /** The UTC day summarised. */
  day: string;
  recipient: string;
}

const scheduleLock = 'helmdesk:notification:digest';

/**
 * Queues the daily digest to the support inbox as an ordinary delivery (template `digest.daily`):
 * yesterday's opened, assigned and resolved counts, the number waiting now and the oldest waiting
 * case. A `schedule` digest is sent once per day across replicas, the CronJob included (advisory
 * lock + unique day): null when it was sent already or another replica is sending it. A `manual`
 * one (POST /api/v1/notifications/digest) is always sent.
 */
export async function enqueueDailyDigest(
  db: Kysely<NotificationDb>,
  options: { trigger: 'schedule' | 'manual'; now: Date; inbox: string },
): Promise<EnqueuedDigest | null> {
  const window = digestWindow(options.now);
  return db.transaction().execute(async (trx) => {
    if (options.trigger === 'schedule') {
      const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(hashtext(${scheduleLock})) as locked`.execute(trx);
      if (!rows[0]?.locked) return null;
    }
    const id = await recordDigest(trx, window.day, options.trigger);
    if (!id) return null;
    const activity = await activityBetween(trx, window.start, window.end);
    const waiting = await waitingNow(trx);
    const [deliveryId] = await enqueueDeliveries(trx, [
      {
        eventId: id,
        event: 'digest.daily',
        channel: 'email',
        audience: 'inbox',
        recipient: options.inbox,
        template: 'digest.daily',
        context: digestValues(window, { ...activity, waiting: waiting.waiting, oldestWaiting: waiting.oldest }),
      },
    ]);
    return { id, deliveryId: deliveryId!, day: window.day, recipient: options.inbox };
  });
}
