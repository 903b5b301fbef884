import { sleep, type Logger, type Worker } from '@helmdesk/platform';
import type { Clock } from '../domain/clock';
import { nextRun, previousRun } from '../domain/digest-schedule';
import type { EnqueuedDigest } from './daily-digest';

export interface DigestSchedulerOptions {
  cron: string;
  clock: Clock;
  logger: Logger;
  /** Queues the digest of the run scheduled at `scheduledAt` (once per day; null when already done). */
  send: (scheduledAt: Date) => Promise<EnqueuedDigest | null>;
  onSent?: () => void;
}

const dayMs = 86_400_000;
/** Sleeps are cut into slices so a clock change or a long suspend does not delay a run much. */
const maxSleepMs = 60_000;

/**
 * Runs the daily digest in-process at HELMDESK_DIGEST_CRON (UTC). Every replica runs the schedule;
 * the advisory lock and the once-per-day record make exactly one of them send. At start it
 * catches up a run of the last day that no replica made (all were down at the time).
 */
export class DigestScheduler implements Worker {
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;
  private readonly log: Logger;

  constructor(private readonly options: DigestSchedulerOptions) {
    this.log = options.logger.child({ component: 'digest-scheduler' });
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { cron, clock } = this.options;
    const now = clock.now();
    const missed = previousRun(cron, now);
    if (now.getTime() - missed.getTime() < dayMs) await this.fire(missed);
    while (!this.abort.signal.aborted) {
      const due = nextRun(cron, clock.now());
      while (!this.abort.signal.aborted && clock.now() < due) {
        await sleep(Math.min(maxSleepMs, due.getTime() - clock.now().getTime()), this.abort.signal);
      }
      if (!this.abort.signal.aborted) await this.fire(due);
    }
  }

  /** `scheduledAt` decides the day summarised: the UTC day before it. */
  private async fire(scheduledAt: Date): Promise<void> {
    try {
      const digest = await this.options.send(scheduledAt);
      if (digest) {
        this.log.info({ digestId: digest.id, day: digest.day }, 'daily digest queued');
        this.options.onSent?.();
      }
    } catch (err) {
      this.log.warn({ err }, 'daily digest failed; the next run or a restart tries again');
    }
  }
}
