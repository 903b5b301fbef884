// Benchmark 4 (issue 5): how long a new case waits for its agent. Cases are opened through the
// gateway at a fixed rate (open loop, default 200/s for 6 s) while enough online agents of
// capacity 50 can take every one of them; a Kafka consumer of our own reads `case.created` and
// `case.assigned`. Per case:
//
//   latency = `case.assigned` record timestamp (when the agent service's relay produced it)
//             − `case.created` event `time` (set in the case service's transaction)
//
// and its parts: case-service outbox → Kafka (created record timestamp − created time), Kafka →
// agent-service handler (case.assigned `data.assignedAt` − created record timestamp), agent
// transaction + outbox → Kafka (assigned record timestamp − assignedAt). Goal: p50 ≤ 15 ms,
// p99 ≤ 50 ms. The baseline, Kafka's own produce → consume latency, is kafka-latency.mjs.
// A light load (20 cases/s for 5 s) runs first: the same path with no queue anywhere; and the goal
// rate runs once more (5 s) with the notification service stopped, to tell what the mails cost.
//
//   node scripts/bench/assignment-latency.mjs     (alone: launches its own platform)
//   BENCH_CASE_RATE (200), BENCH_CASE_SECONDS (6), BENCH_CASE_LOW_RATE (20; 0 = skip),
//   BENCH_CASE_ISOLATED_SECONDS (5; 0 = skip), BENCH_CASE_WARM_RATE (50), BENCH_CASE_WARM_SECONDS (8)
//
// Each load starts on a settled platform: warmed up first (not measured), every consumer caught
// up and every mail of the load before sent.
import { randomBytes } from 'node:crypto';
import { cpuMeter, emit, finish, newCustomer, onPlatform, paced, pgActivitySampler, progress, require, round, sleep, summary, testkit } from './lib.mjs';

const rate = Number(process.env.BENCH_CASE_RATE ?? 200);
const seconds = Number(process.env.BENCH_CASE_SECONDS ?? 6);
const lowRate = Number(process.env.BENCH_CASE_LOW_RATE ?? 20);
const lowSeconds = 5;
const isolatedSeconds = Number(process.env.BENCH_CASE_ISOLATED_SECONDS ?? 5);
const warmRate = Number(process.env.BENCH_CASE_WARM_RATE ?? 50);
const warmSeconds = Number(process.env.BENCH_CASE_WARM_SECONDS ?? 8);
const capacity = 50;

async function until(what, check, timeoutMs = 30_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** An agent account, its profile at capacity 50, logged in and online. */
async function onlineAgent(env, i) {
  const email = `agent-${i}-${randomBytes(3).toString('hex')}@bench.test`;
  const password = randomBytes(12).toString('base64url');
  const created = await env.admin.post('/api/v1/users', { email, password, name: `Bench agent ${i}`, role: 'agent' });
  if (created.status !== 201) throw new Error(`create agent answered ${created.status}: ${JSON.stringify(created.body)}`);
  const id = created.body.id;
  await until(`agent profile ${id}`, async () => (await env.admin.get(`/api/v1/agents/${id}`)).status === 200);
  const cap = await env.admin.patch(`/api/v1/agents/${id}`, { capacity });
  if (cap.status !== 200) throw new Error(`capacity answered ${cap.status}: ${JSON.stringify(cap.body)}`);
  const { client } = await env.api.login(email, password);
  const online = await client.patch('/api/v1/agents/me', { status: 'online' });
  if (online.status !== 200) throw new Error(`going online answered ${online.status}: ${JSON.stringify(online.body)}`);
  return id;
}

/**
 * Waits until the services' consumer groups have caught up on every topic (committed offset =
 * end of each partition): the set-up (agents created, going online: user.created, agent.freed…)
 * must not still be in the agent service's serial consumer when a measurement starts.
 */
async function consumersIdle(prefix, timeoutMs = 60_000) {
  const admin = testkit.testKafka('helmdesk-bench-lag').admin();
  await admin.connect();
  try {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix) && !t.endsWith('.dlq'));
    const ends = new Map();
    for (const topic of topics) ends.set(topic, await admin.fetchTopicOffsets(topic));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let lag = 0;
      for (const service of ['case', 'agent', 'notification']) {
        const committed = await admin.fetchOffsets({ groupId: `${prefix}helmdesk.${service}`, topics });
        for (const { topic, partitions } of committed) {
          // Ends are read once: new records after that (none at rest) are not waited for.
          for (const p of partitions) {
            const end = Number(ends.get(topic).find((e) => e.partition === p.partition)?.high ?? 0);
            const at = Number(p.offset);
            if (at >= 0 && end > at) lag += end - at;
          }
        }
      }
      if (lag === 0) return;
      if (Date.now() > deadline) throw new Error(`consumers still ${lag} records behind after ${timeoutMs} ms`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Waits until no mail is left to send: one load's mails must not be sent during the next. */
async function mailsSent(databaseUrl, timeoutMs = 120_000) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await until(
      'the mail backlog sent',
      async () => (await client.query(`select count(*)::int as n from notifications.delivery_queue`)).rows[0].n === 0,
      timeoutMs,
      250,
    );
  } finally {
    await client.end();
  }
}

/** Between two loads: every consumer caught up and every mail sent. */
async function settled(env) {
  await consumersIdle(env.topicPrefix);
  await mailsSent(env.db.url);
}

/**
 * Reads case.created and case.assigned (from now on) with their record timestamps. The latency is
 * computed from timestamps written by the services and the producer, never from when this
 * consumer reads a record, so it is paused while a load runs and reads afterwards: a consumer of
 * our own fetching and parsing hundreds of records a second would take CPU from the very
 * pipeline it measures (about 0.1 core at 200 cases/s on the development VM).
 */
async function startWatcher(prefix) {
  const seen = { created: new Map(), assigned: new Map() };
  const topics = [`${prefix}case.created`, `${prefix}case.assigned`];
  const consumer = testkit.testKafka('helmdesk-bench').consumer({
    groupId: `bench-watch-${randomBytes(6).toString('hex')}`,
    maxWaitTimeInMs: 50,
  });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: false });
  const joined = new Promise((res) => consumer.on(consumer.events.GROUP_JOIN, res));
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const created = batch.topic.endsWith('case.created');
      for (const message of batch.messages) {
        const event = JSON.parse(message.value.toString());
        (created ? seen.created : seen.assigned).set(event.data.caseId, { event, recordTs: Number(message.timestamp) });
      }
    },
  });
  await joined;
  return {
    seen,
    pause: () => consumer.pause(topics.map((topic) => ({ topic }))),
    resume: () => consumer.resume(topics.map((topic) => ({ topic }))),
    stop: () => consumer.disconnect(),
  };
}

/**
 * What the services' own tables say about the run: how fast the agent service's consumer took
 * the `case.created` events (processed_event.processed_at is its transaction's start), and how
 * long each outbox row waited until it was marked published (published_at − created_at: the send
 * plus up to 20 ms in which the relay waits to mark it with the next batch, ADR 0025).
 */
async function pipelineFromDatabase(databaseUrl, ids) {
  const pg = require('pg');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const list = [...ids];
    const consumed = await client.query(
      `select extract(epoch from p.processed_at) * 1000 as at
         from agents.processed_event p join cases.outbox o on o.event_id::text = p.event_id
        where o.key = any($1) and o.topic = 'case.created' order by p.processed_at`,
      [list],
    );
    const times = consumed.rows.map((r) => Number(r.at));
    const span = times.length > 1 ? (times[times.length - 1] - times[0]) / 1000 : null;
    const relay = async (schema, topic) =>
      summary(
        (
          await client.query(
            `select extract(epoch from (published_at - created_at)) * 1000 as ms from ${schema}.outbox
              where topic = $1 and key = any($2) and published_at is not null`,
            [topic, list],
          )
        ).rows.map((r) => Number(r.ms)),
        1,
      );
    return {
      agentConsumerEventsPerSec: span ? round(times.length / span, 1) : null,
      agentConsumerIntervalMs: summary(times.slice(1).map((t, i) => t - times[i]), 2),
      caseOutboxWaitMs: await relay('cases', 'case.created'),
      agentOutboxWaitMs: await relay('agents', 'case.assigned'),
    };
  } finally {
    await client.end();
  }
}

/** CPU milliseconds per case of the services and Postgres (not Kafka, the harness or the sink). */
const cpuMsPerCase = (cpu, cases) => round((['gateway', 'auth', 'case', 'agent', 'notification', 'postgres'].reduce((a, k) => a + cpu[k], 0) * 1000) / cases, 1);

/** One load: `rate` cases/s for `seconds` s, then waits for every assignment; emits its line. */
async function measure(env, watcher, post, rate, seconds, { label, agents, benchmark, goal, discard = false, settle = true }) {
  watcher.seen.created.clear();
  watcher.seen.assigned.clear();
  progress(`assignment latency: ${rate} cases/s for ${seconds} s through the gateway${label ? ` (${label})` : ''}`);
  const ids = new Set();
  const meter = cpuMeter(env);
  const sampler = pgActivitySampler(env.db.name);
  const loadStarted = Date.now();
  watcher.pause();
  const load = await paced({
    url: env.platform.url,
    rate,
    durationMs: seconds * 1000,
    make: post,
    onDone: (_i, status, body) => {
      if (status === 201) ids.add(JSON.parse(body).id);
    },
  });
  const httpDoneS = (Date.now() - loadStarted) / 1000;
  watcher.resume();
  // An overloaded platform may refuse some (503 when the case service's pool cannot give a
  // connection in time): counted and reported, the rest measured.
  if (ids.size === 0) throw new Error(`no case opened: ${JSON.stringify(load.statuses)}`);
  await until('every case.assigned', () => [...ids].every((id) => watcher.seen.assigned.has(id)), 60_000, 100).catch((err) =>
    progress(`${err.message}: ${[...ids].filter((id) => !watcher.seen.assigned.has(id)).length} missing`),
  );
  const cpu = meter.read();
  const activity = await sampler.stop();
  const drainedS = round((Date.now() - loadStarted) / 1000, 1);
  const pipeline = await pipelineFromDatabase(env.db.url, ids);

  const total = [];
  const handled = [];
  const parts = { caseRelay: [], toAgentHandler: [], agentTxAndRelay: [] };
  for (const id of ids) {
    const created = watcher.seen.created.get(id);
    const assigned = watcher.seen.assigned.get(id);
    if (!created || !assigned) continue;
    const createdAt = Date.parse(created.event.time);
    const assignedAt = Date.parse(assigned.event.data.assignedAt);
    total.push(assigned.recordTs - createdAt);
    handled.push(assignedAt - createdAt);
    parts.caseRelay.push(created.recordTs - createdAt);
    parts.toAgentHandler.push(assignedAt - created.recordTs);
    parts.agentTxAndRelay.push(assigned.recordTs - assignedAt);
  }
  const latency = summary(total, 1);
  // The whole work of these cases, their mails included: the CPU until every consumer has caught
  // up and every mail is sent. The window above ends with the last assignment, while the
  // notification service may still be sending the last mails.
  let untilSettled;
  if (settle) {
    await settled(env);
    const whole = meter.read();
    untilSettled = { seconds: whole.wallS, cpuMsPerCase: cpuMsPerCase(whole, load.total), cpuSeconds: whole };
  }
  const result = {
    benchmark,
    ratePerSec: rate,
    seconds,
    agents,
    capacity,
    cases: load.total,
    opened: ids.size,
    statuses: load.statuses,
    requestErrors: load.errors,
    assigned: total.length,
    sentRatePerSec: round(load.total / (load.sentMs / 1000), 1),
    answeredRatePerSec: round(ids.size / httpDoneS, 1),
    p50Ms: latency.p50,
    p90Ms: latency.p90,
    p99Ms: latency.p99,
    maxMs: latency.max,
    assignedAtMinusCreated: summary(handled, 1),
    parts: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, summary(v, 1)])),
    httpOpenCase: summary(load.latencies, 1),
    loadAndDrainS: drainedS,
    pipeline,
    postgresActivity: activity,
    cpuSeconds: cpu,
    cpuMsPerCase: cpuMsPerCase(cpu, load.total),
    ...(untilSettled ? { untilSettled } : {}),
    ...(goal ? { goal: 'p50 <= 15 ms, p99 <= 50 ms, every case opened and assigned', goalMet: total.length === load.total && latency.p50 <= 15 && latency.p99 <= 50 } : {}),
  };
  if (!discard) emit(result);
  return result;
}

/** `discard`: run everything, emit nothing (run.mjs warms a young Kafka broker up with it). */
export async function run(env, { discard = false } = {}) {
  const agents = Math.ceil((rate * seconds + rate * isolatedSeconds + lowRate * lowSeconds + warmRate * warmSeconds) / capacity) + 4;
  progress(`assignment latency: ${agents} agents of capacity ${capacity} going online`);
  for (let i = 0; i < agents; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, agents - i) }, (_, k) => onlineAgent(env, i + k)));
  }
  const customer = await newCustomer(env, 'latency');
  const watcher = await startWatcher(env.topicPrefix);
  const post = (i) => ({
    method: 'POST',
    path: '/api/v1/cases',
    headers: { authorization: `Bearer ${customer.token}` },
    body: { subject: `Latency case ${i}`, description: 'The printer is on fire again.', priority: 'normal' },
  });
  try {
    // Warm-up (not measured): cases end to end until every consumer has joined, every connection
    // is open and V8 has compiled the hot paths; a freshly started service spends more CPU on its
    // JIT than on its first hundreds of cases.
    progress(`assignment latency: warm-up, ${warmRate} cases/s for ${warmSeconds} s`);
    const warm = await paced({ url: env.platform.url, rate: warmRate, durationMs: warmSeconds * 1_000, make: post });
    if (warm.statuses[201] !== warm.total) throw new Error(`warm-up: ${JSON.stringify(warm.statuses)}`);
    await until('warm-up assignments', () => watcher.seen.assigned.size >= warm.total, 60_000);
    await settled(env);
    // First a light load: the pipeline's own latency, with no queue anywhere.
    if (lowRate > 0) {
      await measure(env, watcher, post, lowRate, lowSeconds, { label: 'light load', agents, benchmark: 'assignment-latency-low-rate', discard });
    }
    await settled(env);
    const result = await measure(env, watcher, post, rate, seconds, { label: 'the goal rate', agents, benchmark: 'assignment-latency', goal: true, discard });
    // Then the goal rate again without the notification service (its mails are most of the CPU
    // a case costs): what the case → agent path does with the cores to itself.
    if (isolatedSeconds > 0) {
      await env.platform.kill('notification');
      await sleep(1_000);
      await measure(env, watcher, post, rate, isolatedSeconds, {
        label: 'notification service stopped',
        agents,
        benchmark: 'assignment-latency-without-notification',
        discard,
        settle: false, // the notification service's group would never catch up
      });
    }
    return result;
  } finally {
    await watcher.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await onPlatform('latency', run);
  finish();
}
