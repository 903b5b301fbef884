// The platform benchmarks in one go (bench.sh runs this): JSON result lines on stdout, progress
// on stderr. Each benchmark gets a platform of its own, started idle (a fresh database and topic
// prefix), so one's leftovers — a backlog of events, mails being sent — never weigh on the next.
//
//   node scripts/bench/run.mjs [hop] [latency] [kafka] [open-case]     (default: all four)
import { loadavg } from 'node:os';
import * as assignment from './assignment-latency.mjs';
import * as hop from './gateway-hop.mjs';
import * as kafka from './kafka-latency.mjs';
import * as openCase from './open-case.mjs';
import { emit, finish, machine, progress, startPlatform, testkit, waitForKafka } from './lib.mjs';

const wanted = new Set(process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['hop', 'latency', 'kafka', 'open-case']);
let failures = 0;

async function step(name, body) {
  const t0 = Date.now();
  progress(`── ${name}`);
  for (let attempt = 1; ; attempt++) {
    try {
      await waitForKafka();
      await body();
      progress(`── ${name} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      return;
    } catch (err) {
      // The stack is shared: someone's fault test may stop Kafka under us. Once, start over.
      if (attempt === 1 && /ECONNREFUSED|kafka/i.test(err.message)) {
        progress(`── ${name}: ${err.message}; once more when Kafka answers`);
        continue;
      }
      failures++;
      progress(`── ${name} FAILED: ${err.message}`);
      emit({ benchmark: 'failed', step: name, error: err.message });
      return;
    }
  }
}

/** A fresh platform for one benchmark, always stopped and dropped afterwards. */
async function onPlatform(label, body) {
  const env = await startPlatform(label);
  try {
    return await body(env);
  } finally {
    await env.stop();
    await env.drop();
  }
}

emit({ benchmark: 'machine', at: new Date().toISOString(), loadavg: loadavg().map((l) => Math.round(l * 100) / 100), ...machine() });

if (wanted.has('hop')) await step('gateway-hop', () => onPlatform('hop', (env) => hop.run(env)));
if (wanted.has('latency')) await step('assignment-latency', () => onPlatform('latency', (env) => assignment.run(env)));
if (wanted.has('kafka')) await step('kafka-latency', () => kafka.run(testkit.uniqueTopicPrefix('bench-kafka')));
if (wanted.has('open-case')) {
  await step('open-case', async () => {
    const top = await onPlatform('peak', (env) => openCase.peak(env));
    await onPlatform('peak-write-path', (env) => openCase.peak(env, { isolated: true }));
    const env = await startPlatform('half');
    try {
      const half = await openCase.halfRate(env, Math.max(1, Math.round(top.reqPerSec / 2)));
      await env.stop();
      const bench = await openCase.pgbench(env.db.url, half.customerId);
      openCase.verdict(top, half, bench, await openCase.pgbenchPaced(env.db.url, half.customerId, half.ratePerSec));
    } finally {
      await env.stop();
      await env.drop();
    }
  });
}

finish(failures > 0 ? 1 : 0);
