import { backoffMs, sleep } from '../sleep';
import type { Worker } from '../service';
import { ConsumerRunner, type ConsumerRunnerOptions } from './consumer';

/**
 * The platform's ConsumerRunner as a `Worker`: joins the group in the background (retrying while
 * Kafka is away: the API keeps serving and the outbox keeps the events) and leaves it on stop.
 * Build it with `ServiceHost.consumerWorker(handlers)`, which sets the group and fault injection.
 */
export class ConsumerWorker<DB> implements Worker {
  readonly runner: ConsumerRunner<DB>;
  private readonly abort = new AbortController();
  private loop: Promise<void> | null = null;

  constructor(private readonly options: ConsumerRunnerOptions<DB>) {
    this.runner = new ConsumerRunner(options);
  }

  start(): void {
    this.loop ??= this.join();
  }

  private async join(): Promise<void> {
    const log = this.options.logger;
    for (let attempt = 1; !this.abort.signal.aborted; attempt++) {
      try {
        await this.runner.start();
        log.info({ topics: this.runner.topics }, 'consuming');
        return;
      } catch (err) {
        log.warn({ err: (err as Error).message, attempt }, 'cannot join the consumer group yet; retrying');
        await sleep(backoffMs(attempt, 500, 10_000), this.abort.signal);
      }
    }
  }

  /**
   * Leaves the group; the event in flight finishes first. The runner is told synchronously, so a
   * handler failing right after this call is not retried and its offset stays uncommitted. Logs
   * one line when the group was left (not when the worker never joined it).
   */
  async stop(): Promise<void> {
    this.abort.abort();
    const leaving = this.runner.stop();
    await this.loop;
    const left = await leaving;
    const leftLate = await this.runner.stop(); // a join that completed while stopping
    if (left || leftLate) {
      this.options.logger.info({ groupId: this.runner.groupId, topics: this.runner.topics }, 'left the consumer group');
    }
  }
}
