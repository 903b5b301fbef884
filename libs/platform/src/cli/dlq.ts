import { z } from 'zod';
import { commaList, loadConfigOrExit, logLevel } from '../config';
import { listDeadLetters, parseTopicArgument, replayDeadLetters } from '../dlq/dead-letters';
import { createKafkajsPort } from '../kafka/kafkajs-adapter';
import { createLogger } from '../logger';

const usage = `usage: npm run dlq -- list <topic> [--all]     dead letters of <topic> not replayed yet (--all: every one)
       npm run dlq -- replay <topic>           publish them to <topic> again, each once
topics: user.created, user.updated, case.created, case.assigned, case.requeued, case.resolved, agent.freed, agent.removed`;

async function main(): Promise<number> {
  const [command, topicArg, ...flags] = process.argv.slice(2);
  if ((command !== 'list' && command !== 'replay') || !topicArg) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const env = loadConfigOrExit(
    z.object({
      KAFKA_BROKERS: commaList.default(['127.0.0.1:9092']),
      KAFKA_TOPIC_PREFIX: z.string().default(''),
      LOG_LEVEL: logLevel.default('fatal'),
    }),
    'dlq',
  );
  const topic = parseTopicArgument(topicArg);
  const kafka = createKafkajsPort({
    brokers: env.KAFKA_BROKERS,
    clientId: 'helmdesk-dlq',
    topicPrefix: env.KAFKA_TOPIC_PREFIX,
    logger: createLogger('dlq', env.LOG_LEVEL),
  });
  try {
    if (command === 'list') {
      const letters = await listDeadLetters(kafka, topic, { all: flags.includes('--all') });
      for (const l of letters) {
        process.stdout.write(
          `${l.partition}:${l.offset}  key=${l.key ?? '-'}  event=${l.eventId ?? '-'}  attempts=${l.attempts}  at=${l.failedAt}  group=${l.consumerGroup}\n    error: ${l.error}\n`,
        );
      }
      process.stdout.write(`dlq: ${letters.length} dead letter(s) on ${topic}.dlq${flags.includes('--all') ? '' : ' not replayed yet'}\n`);
    } else {
      const replayed = await replayDeadLetters(kafka, topic);
      process.stdout.write(`dlq: replayed ${replayed.length} dead letter(s) from ${topic}.dlq to ${topic}\n`);
    }
    return 0;
  } finally {
    await kafka.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const message = (err as Error).message;
    process.stderr.write(
      /does not host this topic-partition/.test(message)
        ? 'dlq: that topic does not exist on this broker (are KAFKA_BROKERS and KAFKA_TOPIC_PREFIX right?)\n'
        : `dlq: ${message}\n`,
    );
    process.exit(1);
  },
);
