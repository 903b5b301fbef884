import type { Kysely } from 'kysely';
import type { Logger, Worker } from '@helmdesk/platform';
import { pruneAttempts } from './store/login-attempts';
import { pruneFamilies } from './store/refresh-tokens';
import type { AuthDatabase } from './store/tables';

/**
 * Forgets sign-in attempts older than the window and refresh families that can do nothing any
 * more. Every replica runs it; concurrent deletes of the same rows are harmless.
 */
export class AuthHousekeeping implements Worker {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly options: { db: Kysely<AuthDatabase>; logger: Logger; windowSeconds: number; everyMs?: number },
  ) {}

  start(): void {
    const every = this.options.everyMs ?? 5 * 60_000;
    this.timer = setInterval(() => {
      this.running ??= this.runOnce().finally(() => (this.running = null));
    }, every);
    this.timer.unref();
  }

  async runOnce(): Promise<void> {
    try {
      const attempts = await pruneAttempts(this.options.db, this.options.windowSeconds);
      const families = await pruneFamilies(this.options.db);
      if (attempts + families > 0) this.options.logger.debug({ attempts, families }, 'auth housekeeping');
    } catch (err) {
      this.options.logger.warn({ err }, 'auth housekeeping failed');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
