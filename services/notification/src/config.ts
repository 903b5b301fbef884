import { z } from 'zod';
import {
  baseConfig,
  booleanFromEnv,
  databaseConfig,
  jwtVerifyConfig,
  kafkaConfig,
  portFromEnv,
} from '@helmdesk/platform';
import { assertCron } from './domain/digest-schedule';

const millis = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A mailbox as SMTP needs it; `support@localhost` is fine (no TLD required). */
const mailbox = z.string().max(320).regex(/^[^\s@<>,;]+@[^\s@<>,;]+$/, 'must be an email address');

/** `Name <address>` or a bare address; one line (it becomes a header). */
const fromHeader = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^\r\n]*@[^\r\n]*$/, 'must be an address, optionally with a display name: Name <user@host>');

const cron = z.string().refine(
  (value) => {
    try {
      assertCron(value);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a cron expression (minute hour day-of-month month day-of-week), e.g. "0 5 * * *"' },
);

/** What delivering needs (the service and the digest CLI). */
export const deliveryConfig = {
  /** Outgoing mail: `smtp://user:pass@host:port` or `smtps://…`. The password is never logged. */
  SMTP_URL: z.url({ protocol: /^smtps?$/ }),
  SMTP_FROM: fromHeader.default('Helmdesk <no-reply@helmdesk.local>'),
  /** Bound on one SMTP send (connect, greeting, transfer). */
  SMTP_TIMEOUT_MS: millis(100, 120_000).default(10_000),
  /** Bound on one webhook request, DNS included. */
  WEBHOOK_TIMEOUT_MS: millis(100, 120_000).default(10_000),
  /** Webhooks may target loopback/private addresses (local development, tests). Metadata: never. */
  HELMDESK_WEBHOOK_ALLOW_PRIVATE: booleanFromEnv.default(false),
  /** After this many deliveries in a row end failed, the webhook is disabled. */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** Attempts per delivery before it is marked failed (an SMTP outage does not use attempts up). */
  DELIVERY_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  /** First retry delay; doubles per attempt up to DELIVERY_BACKOFF_MAX_MS. */
  DELIVERY_BACKOFF_MS: millis(10, 3_600_000).default(5_000),
  DELIVERY_BACKOFF_MAX_MS: millis(10, 86_400_000).default(900_000),
  /** How often an idle worker looks for due deliveries (new ones from this replica wake it at once). */
  DELIVERY_POLL_MS: millis(10, 60_000).default(1_000),
  /** Deliveries sent at the same time by one replica (also the SMTP connection pool size). */
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(200).default(10),
  HELMDESK_SUPPORT_INBOX: mailbox.default('support@localhost'),
};

/** The notification service's environment (docs: services/notification/README.md). */
export const notificationConfigSchema = z.object({
  ...baseConfig,
  ...databaseConfig,
  ...kafkaConfig,
  ...jwtVerifyConfig,
  PORT: portFromEnv.default(8084),
  ...deliveryConfig,
  /** When the daily digest is sent (UTC, cron syntax). */
  HELMDESK_DIGEST_CRON: cron.default('0 5 * * *'),
  /** Send the digest from the service itself (under an advisory lock); false when a CronJob does. */
  HELMDESK_DIGEST_IN_PROCESS: booleanFromEnv.default(true),
});
export type NotificationConfig = z.infer<typeof notificationConfigSchema>;

/** The digest CLI (the chart's CronJob): no HTTP, no Kafka, no tokens. */
export const digestCliConfigSchema = z.object({
  ...baseConfig,
  ...databaseConfig,
  ...deliveryConfig,
});
export type DigestCliConfig = z.infer<typeof digestCliConfigSchema>;
