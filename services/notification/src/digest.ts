import { createDatabase, createLogger, loadConfigOrExit, migrateToLatest, sleep, type Database } from '@helmdesk/platform';
import { digestCliConfigSchema } from './config';
import { systemClock } from './domain/clock';
import { enqueueDailyDigest } from './digest/daily-digest';
import { notificationMigrations } from './migrations';
import { createDeliveryWorker } from './service';
import { findDelivery } from './store/deliveries';
import type { NotificationDb } from './store/schema';

/** How long the CLI tries to send the digest itself before leaving it to the service's workers. */
const sendWithinMs = 60_000;

/**
 * Sends the daily digest once and exits — the chart's CronJob (HELMDESK_DIGEST_IN_PROCESS=false in
 * the service then). Shares the once-per-day record with the in-process schedule, so running both
 * still sends one digest. Prints one JSON line: what was queued and how its delivery ended.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(digestCliConfigSchema, 'notification-digest');
  const logger = createLogger('notification-digest', config.LOG_LEVEL);
  const database = createDatabase<NotificationDb>({ url: config.DATABASE_URL, schema: 'notifications', logger });
  const worker = createDeliveryWorker(config, { db: database.db, logger });
  try {
    await migrateToLatest(database as Database<unknown>, notificationMigrations, logger);
    const digest = await enqueueDailyDigest(database.db, {
      trigger: 'schedule',
      now: systemClock.now(),
      inbox: config.HELMDESK_SUPPORT_INBOX,
    });
    if (!digest) {
      process.stdout.write(`${JSON.stringify({ digest: null, detail: 'already sent today' })}\n`);
      return;
    }
    // Queued already, so the service's workers would send it too; sending it here (under the same
    // claim) makes the CronJob's outcome visible in its own log.
    const deadline = Date.now() + sendWithinMs;
    let delivery = await findDelivery(database.db, digest.deliveryId);
    while (delivery?.status === 'queued' && Date.now() < deadline) {
      await worker.deliverDue(digest.deliveryId);
      delivery = await findDelivery(database.db, digest.deliveryId);
      if (delivery?.status === 'queued') await sleep(1_000);
    }
    const result = { digest: digest.id, day: digest.day, recipient: digest.recipient, status: delivery?.status, lastError: delivery?.last_error };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await worker.stop();
    await database.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`notification-digest: ${(err as Error).message}\n`);
  process.exit(1);
});
