import type { Express } from 'express';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import { counter, gauge, ServiceHost, type ConsumerWorker, type Logger, type TokenVerifier } from '@helmdesk/platform';
import type { NotificationConfig } from './config';
import { systemClock, type Clock } from './domain/clock';
import { DeliveryWorker, type DeliveryWorkerOptions } from './delivery/delivery-worker';
import { createEmailSender } from './delivery/email-sender';
import { createWebhookSender } from './delivery/webhook-sender';
import { enqueueDailyDigest } from './digest/daily-digest';
import { DigestScheduler } from './digest/digest-scheduler';
import { notificationHandlers } from './events/handlers';
import { routes } from './http/routes';
import { notificationMigrations } from './migrations';
import { queuedCount } from './store/deliveries';
import type { NotificationDb } from './store/schema';

export interface NotificationServiceOverrides {
  verifier?: TokenVerifier;
  logger?: Logger;
  /** Where "now" comes from (the digest's day, its schedule). */
  clock?: Clock;
  /** Fault injection for tests: runs after an event's transaction committed, before its offset commit. */
  afterCommit?: (event: HelmdeskEvent) => void;
}

export interface NotificationService {
  host: ServiceHost<NotificationDb>;
  app: Express;
  deliveries: DeliveryWorker;
  consumer: ConsumerWorker<NotificationDb>;
  start(port?: number, hostname?: string): Promise<void>;
  stop(): Promise<void>;
}

/** The domain of the From address, for Message-IDs. */
function mailDomain(from: string): string {
  return /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'helmdesk.local';
}

/** A delivery worker over the config's SMTP server and webhook settings (service and digest CLI). */
export function createDeliveryWorker(
  config: Pick<
    NotificationConfig,
    | 'SMTP_URL'
    | 'SMTP_FROM'
    | 'SMTP_TIMEOUT_MS'
    | 'WEBHOOK_TIMEOUT_MS'
    | 'HELMDESK_WEBHOOK_ALLOW_PRIVATE'
    | 'WEBHOOK_DISABLE_AFTER_FAILURES'
    | 'DELIVERY_MAX_ATTEMPTS'
    | 'DELIVERY_BACKOFF_MS'
    | 'DELIVERY_BACKOFF_MAX_MS'
    | 'DELIVERY_POLL_MS'
    | 'DELIVERY_CONCURRENCY'
  >,
  host: { db: ServiceHost<NotificationDb>['db']; logger: Logger },
  onOutcome?: DeliveryWorkerOptions['onOutcome'],
): DeliveryWorker {
  return new DeliveryWorker({
    db: host.db,
    logger: host.logger,
    email: createEmailSender({
      smtpUrl: config.SMTP_URL,
      from: config.SMTP_FROM,
      timeoutMs: config.SMTP_TIMEOUT_MS,
      connections: config.DELIVERY_CONCURRENCY,
    }),
    webhook: createWebhookSender({ timeoutMs: config.WEBHOOK_TIMEOUT_MS, allowPrivate: config.HELMDESK_WEBHOOK_ALLOW_PRIVATE }),
    retry: { maxAttempts: config.DELIVERY_MAX_ATTEMPTS, baseMs: config.DELIVERY_BACKOFF_MS, maxMs: config.DELIVERY_BACKOFF_MAX_MS },
    pollMs: config.DELIVERY_POLL_MS,
    concurrency: config.DELIVERY_CONCURRENCY,
    // Longer than any send can take, so a claim never runs out under a live worker.
    leaseMs: 2 * Math.max(config.SMTP_TIMEOUT_MS, config.WEBHOOK_TIMEOUT_MS) + 30_000,
    disableWebhookAfter: config.WEBHOOK_DISABLE_AFTER_FAILURES,
    messageIdDomain: mailDomain(config.SMTP_FROM),
    ...(onOutcome ? { onOutcome } : {}),
  });
}

/**
 * The notification service: projections and deliveries from events, the delivery worker, the
 * daily digest schedule, and the HTTP API (delivery log, templates, webhooks, digest).
 */
export function createNotificationService(
  config: NotificationConfig,
  overrides: NotificationServiceOverrides = {},
): NotificationService {
  const host = new ServiceHost<NotificationDb>({
    service: 'notification',
    schema: 'notifications',
    env: config,
    migrations: notificationMigrations,
    ...(overrides.logger ? { logger: overrides.logger } : {}),
    ...(overrides.verifier ? { verifier: overrides.verifier } : {}),
  });
  const clock = overrides.clock ?? systemClock;
  const outcomes = counter(host.metrics.registry, 'notification_deliveries_total', 'Delivery attempts by channel and outcome', [
    'channel',
    'outcome',
  ]);
  gauge(host.metrics.registry, 'notification_delivery_backlog', 'Deliveries queued (due or waiting for a retry)', () =>
    queuedCount(host.db),
  );
  const deliveries = createDeliveryWorker(config, host, (channel, outcome) => outcomes.inc({ channel, outcome }));
  const consumer = host.consumerWorker(notificationHandlers(), {
    afterCommit: (event) => {
      deliveries.wake();
      overrides.afterCommit?.(event);
    },
  });
  const scheduler = config.HELMDESK_DIGEST_IN_PROCESS
    ? new DigestScheduler({
        cron: config.HELMDESK_DIGEST_CRON,
        clock,
        logger: host.logger,
        send: (scheduledAt) =>
          enqueueDailyDigest(host.db, { trigger: 'schedule', now: scheduledAt, inbox: config.HELMDESK_SUPPORT_INBOX }),
        onSent: () => deliveries.wake(),
      })
    : null;
  const app = host.createApp(
    routes({
      db: host.db,
      clock,
      supportInbox: config.HELMDESK_SUPPORT_INBOX,
      destinations: { allowPrivate: config.HELMDESK_WEBHOOK_ALLOW_PRIVATE, timeoutMs: config.WEBHOOK_TIMEOUT_MS },
      wakeDeliveries: () => deliveries.wake(),
    }),
  );
  return {
    host,
    app,
    deliveries,
    consumer,
    start: (port = config.PORT, hostname?: string) =>
      host.start({
        app,
        port,
        ...(hostname ? { host: hostname } : {}),
        workers: [consumer, deliveries, ...(scheduler ? [scheduler] : [])],
      }),
    stop: () => host.stop(),
  };
}
