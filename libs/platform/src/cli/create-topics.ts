import { z } from 'zod';
import { allTopicNames } from '@helmdesk/contracts';
import { kafkaConfig, loadConfigOrExit, logLevel } from '../config';
import { createKafkajsPort } from '../kafka/kafkajs-adapter';
import { createLogger } from '../logger';

/** Creates every Helmdesk topic and its dead-letter topic (the chart runs this as a Job). */
async function main(): Promise<void> {
  const env = loadConfigOrExit(
    z.object({
      ...kafkaConfig,
      KAFKA_TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1000).default(3),
      KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(10).default(1),
      LOG_LEVEL: logLevel.default('warn'),
    }),
    'create-topics',
  );
  const kafka = createKafkajsPort({
    brokers: env.KAFKA_BROKERS,
    clientId: 'helmdesk-create-topics',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    logger: createLogger('create-topics', env.LOG_LEVEL),
  });
  const topics = allTopicNames();
  const created = await kafka.createTopics(
    topics.map((topic) => ({ topic, partitions: env.KAFKA_TOPIC_PARTITIONS, replicationFactor: env.KAFKA_REPLICATION_FACTOR })),
  );
  process.stdout.write(
    `topics: ${created.length} created, ${topics.length - created.length} already present (${topics.length} in all)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`create-topics: ${(err as Error).message}\n`);
  process.exit(1);
});
