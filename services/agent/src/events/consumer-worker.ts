import {
  backoffMs,
  ConsumerRunner,
  sleep,
  type Database,
  type EventHandlers,
  type KafkaPort,
  type Logger,
  type Worker,
} from '@helmdesk/platform';

export interface ConsumerWorkerOptions<DB> {
  service: string;
  database: Database<DB>;
  kafka: KafkaPort;
  handlers: EventHandlers<DB>;
  logger: Logger;
  /** KAFKA_TOPIC_PREFIX: it also prefixes the consumer group. */
  topicPrefix: string;
}

/**
 * The service's consumers as a ServiceHost worker, in the group `<KAFKA_TOPIC_PREFIX>helmdesk.<service>`.
 *
 * ServiceHost's own consumer always joins `helmdesk.<service>`. With kafkajs the group leader
 * assigns only the topics *it* subscribes to, so two deployments (or two test files) that share a
 * broker under different topic prefixes would share that group and starve each other. Prefixing
 * the group keeps them apart; production (empty prefix) still uses `helmdesk.agent`. Joining is
 * retried in the background while Kafka is away, as ServiceHost does.
 */
export function consumerWorker<DB>(options: ConsumerWorkerOptions<DB>): Worker & { runner: ConsumerRunner<DB> } {
  const runner = new ConsumerRunner<DB>({
    service: options.service,
    groupId: `${options.topicPrefix}helmdesk.${options.service}`,
    database: options.database,
    kafka: options.kafka,
    handlers: options.handlers,
    logger: options.logger,
  });
  const abort = new AbortController();
  let joining: Promise<void> | null = null;

  async function join(): Promise<void> {
    for (let attempt = 1; !abort.signal.aborted; attempt++) {
      try {
        await runner.start();
        options.logger.info({ topics: runner.topics }, 'consuming');
        return;
      } catch (err) {
        options.logger.warn({ err: (err as Error).message, attempt }, 'cannot join the consumer group yet; retrying');
        await sleep(backoffMs(attempt, 500, 10_000), abort.signal);
      }
    }
  }

  return {
    runner,
    start() {
      joining ??= join();
    },
    async stop() {
      abort.abort();
      await joining;
      await runner.stop();
    },
  };
}
