import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { Kysely } from 'kysely';
import { backoffMs, sleep, type Logger, type Worker } from '@helmdesk/platform';
import { attemptsExhausted, projectionWaitLimitMs, retryDelayMs, waitDelayMs, type RetryPolicy } from '../domain/retry-schedule';
import { claimDue, recordOutcome, recordOutcomes, type ClaimedDelivery, type ClaimedOutcome, type DeliveryRow, type Outcome } from '../store/deliveries';
import type { NotificationDb } from '../store/schema';
import { findWebhook, recordWebhookFailure, recordWebhookSuccess } from '../store/webhooks';
import { composeEmail, mailFacts, type MailFacts } from './compose-email';
import type { EmailSender } from './email-sender';
import type { WebhookSender } from './webhook-sender';
import { WriteCoalescer } from './write-coalescer';

export interface DeliveryWorkerOptions {
  db: Kysely<NotificationDb>;
  logger: Logger;
  email: EmailSender;
  webhook: WebhookSender;
  retry: RetryPolicy;
  /** Idle poll interval; `wake()` cuts it short. */
  pollMs: number;
  /** Deliveries claimed and sent at once. */
  concurrency: number;
  /** How long a claim holds: longer than the slowest send can take. */
  leaseMs: number;
  /** Failed deliveries in a row after which a webhook is disabled. */
  disableWebhookAfter: number;
  /** Domain of the Message-ID header. */
  messageIdDomain: string;
  /** Called for every recorded outcome (metrics). */
  onOutcome?: (channel: DeliveryRow['channel'], outcome: Outcome['kind']) => void;
}

export interface DeliveryStats {
  sent: number;
  failed: number;
  retried: number;
  postponed: number;
}

/** The longest an SMTP outage makes queued mail wait between two tries. */
const outageRetryCapMs = 30_000;

/**
 * Sends queued deliveries: claims due rows (SKIP LOCKED, so replicas never take the same one),
 * sends them with a timeout, and records each outcome — sent, retried later with exponential
 * backoff, or failed after the last attempt. An SMTP outage postpones mail without using up
 * attempts, so nothing queued is lost however long it lasts; the consumer never waits for any of
 * this.
 */
export class DeliveryWorker implements Worker {
  readonly stats: DeliveryStats = { sent: 0, failed: 0, retried: 0, postponed: 0 };
  private readonly log: Logger;
  private readonly abort = new AbortController();
  private wakeSignal = new AbortController();
  private loop: Promise<void> | null = null;
  private smtpOutages = 0;
  /** Mail outcomes finishing together are written by one statement. */
  private readonly outcomes: WriteCoalescer<ClaimedOutcome, boolean>;

  constructor(private readonly options: DeliveryWorkerOptions) {
    this.log = options.logger.child({ component: 'delivery-worker' });
    // A failed write fails every outcome of its batch, and each is retried by its own delivery:
    // logged here once per batch, not once per delivery.
    this.outcomes = new WriteCoalescer((outcomes) =>
      recordOutcomes(options.db, outcomes).catch((err: unknown) => {
        this.log.warn({ err, outcomes: outcomes.length }, 'cannot record a batch of outcomes; each delivery retries');
        throw err;
      }),
    );
    // Each delivery in flight may wait on the stop signal while it retries its outcome, and the
    // loop's one idle wait on it too: more listeners than that would be a leak, and Node says so.
    setMaxListeners(options.concurrency + 2, this.abort.signal);
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** New deliveries were committed: look now rather than at the next poll. */
  wake(): void {
    this.wakeSignal.abort('woken'); // a reason: without one, abort() builds a DOMException each time
  }

  /** Finishes the sends in flight (each bounded by its timeout), then closes the SMTP pool. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
    this.options.email.close();
  }

  /**
   * Keeps up to `concurrency` sends in flight: claims more as soon as half the slots are free
   * (no waiting for a whole batch to finish), sleeps when nothing is due.
   */
  private async run(): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    const { concurrency } = this.options;
    let failures = 0;
    while (!this.abort.signal.aborted) {
      const free = concurrency - inFlight.size;
      if (free < Math.ceil(concurrency / 2)) {
        await Promise.race(inFlight);
        continue;
      }
      // A new turn. The previous turn's idle wait is still pending when a delivery finishing
      // ended the race below before it: ending it now removes its timer and its listener on the
      // stop signal. Left to run out, under load every turn kept one of each for up to pollMs.
      this.wakeSignal.abort('next turn');
      this.wakeSignal = new AbortController();
      let claimed: Promise<void>[];
      try {
        claimed = await this.claimAndSend(free);
        failures = 0;
      } catch (err) {
        failures++;
        this.log.warn({ err, failures }, 'cannot claim deliveries; retrying');
        await sleep(backoffMs(failures, 500, 10_000), this.abort.signal);
        continue;
      }
      for (const sending of claimed) {
        inFlight.add(sending);
        void sending.finally(() => inFlight.delete(sending));
      }
      if (claimed.length === free) continue;
      // Fewer due than free slots: wait for new work, a free slot, or the next poll.
      const idle = sleep(this.options.pollMs, this.wakeSignal.signal, this.abort.signal);
      await (inFlight.size === 0 ? idle : Promise.race([idle, ...inFlight]));
    }
    await Promise.all(inFlight);
  }

  /** Claims up to `limit` due deliveries (or only `id`) and starts sending them. */
  private async claimAndSend(limit: number, id?: string): Promise<Promise<void>[]> {
    const rows = await claimDue(this.options.db, {
      limit,
      leaseMs: this.options.leaseMs,
      token: randomUUID(),
      ...(id ? { id } : {}),
    });
    if (rows.length === 0) return [];
    // Templates as they are now and the projections the mails name, read once per claim.
    const facts = await mailFacts(this.options.db, rows);
    return rows.map((row) => this.deliver(row, facts));
  }

  /** Claims and sends due deliveries (or only `id`) once, to the end; returns how many it claimed. */
  async deliverDue(id?: string): Promise<number> {
    const sends = await this.claimAndSend(this.options.concurrency, id);
    await Promise.all(sends);
    return sends.length;
  }

  private async deliver(row: ClaimedDelivery, facts: MailFacts): Promise<void> {
    const log = this.log.child({ deliveryId: row.id, channel: row.channel, eventId: row.event_id });
    try {
      const { outcome, webhookStreak } =
        row.channel === 'email' ? { outcome: await this.sendEmail(row, facts), webhookStreak: false } : await this.sendWebhook(row);
      await this.record(row, outcome, webhookStreak, log);
    } catch (err) {
      // The database failed mid-way: the claim runs out and the delivery is tried again then.
      log.warn({ err }, 'delivery interrupted; it will be retried when its claim expires');
    }
  }

  private failure(row: DeliveryRow, error: string, extra: { responseStatus?: number | null; recipient?: string } = {}): Outcome {
    const attempts = row.attempts + 1;
    if (attemptsExhausted(this.options.retry, attempts)) return { kind: 'failed', error, ...extra };
    return { kind: 'retry', error, delayMs: retryDelayMs(this.options.retry, attempts), ...extra };
  }

  private async sendEmail(row: DeliveryRow, facts: MailFacts): Promise<Outcome> {
    const composed = composeEmail(row, facts);
    if (!composed.ready) {
      // Waiting for an event of another topic is not the mail's fault: no attempt is used up.
      const age = Date.now() - row.created_at.getTime();
      if (composed.permanent || age > projectionWaitLimitMs) return { kind: 'failed', error: composed.reason };
      return { kind: 'postponed', error: composed.reason, delayMs: waitDelayMs(this.options.retry, age) };
    }
    const result = await this.options.email.send({
      ...composed.mail,
      to: composed.to,
      messageId: `<${row.id}@${this.options.messageIdDomain}>`,
      deliveryId: row.id,
    });
    const recipient = composed.to;
    if (result.ok) {
      this.smtpOutages = 0;
      return { kind: 'sent', recipient };
    }
    if (result.kind === 'unavailable') {
      this.smtpOutages++;
      const delayMs = retryDelayMs(
        { ...this.options.retry, maxMs: Math.min(this.options.retry.maxMs, outageRetryCapMs) },
        this.smtpOutages,
      );
      return { kind: 'postponed', error: `mail server unavailable: ${result.error}`, delayMs, recipient };
    }
    if (result.kind === 'permanent') return { kind: 'failed', error: result.error, recipient };
    return this.failure(row, result.error, { recipient });
  }

  /** `webhookStreak`: the outcome counts for the webhook's failure streak (not when it is gone). */
  private async sendWebhook(row: DeliveryRow): Promise<{ outcome: Outcome; webhookStreak: boolean }> {
    const webhook = row.webhook_id ? await findWebhook(this.options.db, row.webhook_id) : undefined;
    if (!webhook) return { outcome: { kind: 'failed', error: 'webhook deleted' }, webhookStreak: false };
    if (!webhook.enabled) {
      return { outcome: { kind: 'failed', error: `webhook disabled: ${webhook.disabled_reason ?? ''}` }, webhookStreak: false };
    }
    const result = await this.options.webhook.send({
      url: webhook.url,
      secret: webhook.secret,
      id: row.id,
      body: JSON.stringify(row.context),
    });
    const outcome: Outcome = result.ok
      ? { kind: 'sent', responseStatus: result.status }
      : result.refused
        ? { kind: 'failed', error: result.error, responseStatus: null }
        : this.failure(row, result.error, { responseStatus: result.status });
    return { outcome, webhookStreak: true };
  }

  /** Writes the outcome (while the claim is ours) and, for webhooks, the failure streak. */
  private async record(row: ClaimedDelivery, outcome: Outcome, webhookStreak: boolean, log: Logger): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const recorded = webhookStreak
          ? await this.options.db.transaction().execute(async (trx) => {
              if (!(await recordOutcome(trx, row, outcome))) return false;
              if (outcome.kind === 'sent') await recordWebhookSuccess(trx, row.webhook_id!);
              if (outcome.kind === 'failed') {
                const disabled = await recordWebhookFailure(trx, row.webhook_id!, this.options.disableWebhookAfter);
                if (disabled) log.warn({ webhookId: row.webhook_id }, 'webhook disabled after consecutive failures');
              }
              return true;
            })
          : await this.outcomes.write({ row, outcome });
        if (!recorded) log.warn('claim lost before the outcome was recorded');
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
        await sleep(backoffMs(attempt, 200, 2_000), this.abort.signal);
      }
    }
    this.count(outcome, log);
    this.options.onOutcome?.(row.channel, outcome.kind);
  }

  private count(outcome: Outcome, log: Logger): void {
    switch (outcome.kind) {
      case 'sent':
        this.stats.sent++;
        log.debug('delivered');
        break;
      case 'failed':
        this.stats.failed++;
        log.warn({ error: outcome.error }, 'delivery failed for good');
        break;
      case 'retry':
        this.stats.retried++;
        log.info({ error: outcome.error, retryInMs: outcome.delayMs }, 'delivery failed; will retry');
        break;
      case 'postponed':
        this.stats.postponed++;
        log.debug({ error: outcome.error }, 'channel unavailable; delivery postponed');
        break;
    }
  }
}
