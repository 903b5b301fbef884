// The baseline of benchmark 4: Kafka's own end-to-end latency on the same broker, no Helmdesk code.
//
// 1. kafkajs, configured as the platform's KafkaPort configures it (idempotent producer, acks=all,
//    one request in flight; consumer maxWaitTimeInMs 100): one message every 1/rate s, keyed
//    over 3 partitions, ~600 bytes (a case.created envelope). Latency = consumer receipt − send
//    call. Two consumer groups read the same stream at once: a plain one (kafkajs' default batch
//    auto-commit), and one consuming the way the platform's consumer did before ADRs 0018 and 0022
//    (one message at a time, `partitionsConsumedConcurrently: 1`, a synchronous offset commit after
//    each message): the difference is what per-message commits cost, before any database work.
// 2. Kafka's EndToEndLatency tool (org.apache.kafka.tools.EndToEndLatency, in the kafka-tools jar,
//    which the local stack does not install: bench.sh fetches that one jar into the Maven cache
//    once, if it can) — one record at a time, produce then poll, acks=all.
//
//   node scripts/bench/kafka-latency.mjs     BENCH_KAFKA_RATE (200), BENCH_KAFKA_SECONDS (5)
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpuMeter, emit, finish, progress, root, round, sleep, summary, testkit } from './lib.mjs';

const rate = Number(process.env.BENCH_KAFKA_RATE ?? 200);
const seconds = Number(process.env.BENCH_KAFKA_SECONDS ?? 5);
const now = () => performance.timeOrigin + performance.now();

const payload = JSON.stringify({
  specversion: '1.0',
  id: randomUUID(),
  source: '/helmdesk/case',
  type: 'case.created',
  time: new Date().toISOString(),
  subject: randomUUID(),
  datacontenttype: 'application/json',
  data: {
    caseId: randomUUID(),
    customerId: randomUUID(),
    subject: 'The printer is on fire again, and the spare one is out of toner',
    priority: 'normal',
    createdAt: new Date().toISOString(),
  },
  padding: 'x'.repeat(120),
});

async function consumer(kafka, topic, label, platformStyle, received) {
  const c = kafka.consumer({ groupId: `bench-kafka-${label}-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 100 });
  await c.connect();
  await c.subscribe({ topics: [topic], fromBeginning: false });
  const joined = new Promise((res) => c.on(c.events.GROUP_JOIN, res));
  await c.run({
    ...(platformStyle ? { autoCommit: false, partitionsConsumedConcurrently: 1 } : {}),
    eachMessage: async ({ partition, message }) => {
      const at = now();
      const sent = Number(message.headers.sent.toString());
      received.push(at - sent);
      if (platformStyle) {
        await c.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
      }
    },
  });
  await joined;
  return c;
}

export async function kafkajsLatency(prefix) {
  const kafka = testkit.testKafka('helmdesk-bench-kafka');
  const topic = `${prefix}bench.latency`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  const plain = [];
  const platformStyle = [];
  const consumers = [await consumer(kafka, topic, 'plain', false, plain), await consumer(kafka, topic, 'commit', true, platformStyle)];
  try {
    const send = () =>
      producer.send({ topic, acks: -1, messages: [{ key: randomUUID(), value: payload, headers: { sent: String(now()) } }] });
    for (let i = 0; i < 20; i++) await send(); // warm-up: connections, metadata, producer id
    await sleep(1_000);
    plain.length = 0;
    platformStyle.length = 0;
    progress(`kafka baseline: kafkajs ${rate} msg/s for ${seconds} s, produce → consume`);
    // No platform here: the meter watches the broker, this process and the machine.
    const meter = cpuMeter({});
    const total = rate * seconds;
    const start = performance.now();
    const sends = [];
    for (let i = 0; i < total; i++) {
      const wait = start + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      sends.push(send());
    }
    await Promise.all(sends);
    const deadline = Date.now() + 30_000;
    while ((plain.length < total || platformStyle.length < total) && Date.now() < deadline) await sleep(100);
    const result = {
      benchmark: 'kafka-latency-kafkajs',
      ratePerSec: rate,
      seconds,
      messages: total,
      messageBytes: payload.length,
      plain: summary(plain, 2),
      commitPerMessage: summary(platformStyle, 2),
      cpuSeconds: meter.read(),
    };
    emit(result);
    return result;
  } finally {
    await Promise.all(consumers.map((c) => c.disconnect()));
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Where the kafka-tools jar is, if it is there (bench.sh fetches it). */
function kafkaToolsJar() {
  const jar = resolve(root, '.helmdesk/cache/m2/org/apache/kafka/kafka-tools/4.3.1/kafka-tools-4.3.1.jar');
  return existsSync(jar) ? jar : null;
}

export async function endToEndLatencyTool(prefix, records = Number(process.env.BENCH_E2E_RECORDS ?? 1000)) {
  const jar = kafkaToolsJar();
  if (!jar) {
    const result = { benchmark: 'kafka-latency-tool', skipped: 'kafka-tools-4.3.1.jar not in .helmdesk/cache/m2 (bench.sh fetches it with mvn)' };
    emit(result);
    return result;
  }
  const topic = `${prefix}bench.e2e`;
  progress(`kafka baseline: EndToEndLatency, ${records} records one at a time, acks=all`);
  const run = spawnSync(
    'java',
    [
      '-cp',
      `${resolve(root, '.helmdesk/cache/kafka/libs')}/*:${jar}`,
      `-Dlog4j2.configurationFile=${resolve(root, 'scripts/stack/kafka/log4j2.xml')}`,
      'org.apache.kafka.tools.EndToEndLatency',
      '--bootstrap-server',
      testkit.stackEnv.kafkaBrokers.join(','),
      '--topic',
      topic,
      '--num-records',
      String(records),
      '--producer-acks',
      'all',
      '--record-size',
      String(payload.length),
    ],
    { encoding: 'utf8', timeout: 120_000 },
  );
  const admin = testkit.testKafka().admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.disconnect();
  const out = `${run.stdout}\n${run.stderr}`;
  const avg = /Avg latency: ([\d.]+) ms/.exec(out);
  const pct = /Percentiles: 50th = (\d+), 99th = (\d+), 99\.9th = (\d+)/.exec(out);
  const result = pct
    ? {
        benchmark: 'kafka-latency-tool',
        tool: 'org.apache.kafka.tools.EndToEndLatency',
        records,
        recordBytes: payload.length,
        acks: 'all',
        avgMs: round(Number(avg?.[1]), 2),
        p50Ms: Number(pct[1]),
        p99Ms: Number(pct[2]),
        p999Ms: Number(pct[3]),
      }
    : { benchmark: 'kafka-latency-tool', failed: out.trim().split('\n').slice(-3).join(' | ') };
  emit(result);
  return result;
}

export async function run(prefix = testkit.uniqueTopicPrefix('bench-kafka')) {
  const kafkajs = await kafkajsLatency(prefix);
  const tool = await endToEndLatencyTool(prefix);
  return { kafkajs, tool };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await run();
  finish();
}
