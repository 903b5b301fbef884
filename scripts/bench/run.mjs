// The platform benchmarks in one go (bench.sh runs this): JSON result lines on stdout, progress
// on stderr. Each benchmark gets a platform of its own, started idle (a fresh database and topic
// prefix), so one's leftovers — a backlog of events, mails being sent — never weigh on the next.
//
//   node scripts/bench/run.mjs [hop] [latency] [kafka] [open-case]     (default: all four)
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import * as assignment from './assignment-latency.mjs';
import * as hop from './gateway-hop.mjs';
import * as kafka from './kafka-latency.mjs';
import * as openCase from './open-case.mjs';
import { emit, finish, machine, onPlatform, progress, root, testkit, waitForKafka } from './lib.mjs';

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

emit({ benchmark: 'machine', at: new Date().toISOString(), loadavg: loadavg().map((l) => Math.round(l * 100) / 100), ...machine() });

/**
 * Seconds since the local stack's Kafka broker started, or null (not ours, or not running). A
 * broker started minutes ago is still compiling its hot paths: in the assignment benchmark at
 * 200 cases/s it used 2.0 CPU-seconds in the first two runs after `stack.sh up` and 0.8–0.9 once
 * warm, and the latency without the notification service went from p50 23 ms to 8 ms.
 */
function brokerAgeS() {
  try {
    const pid = readFileSync(resolve(root, '.helmdesk/run/kafka.pid'), 'utf8').trim();
    const startTicks = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[19]);
    const uptimeS = Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return uptimeS - startTicks / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

const warmBrokerS = 300;

if (wanted.has('hop')) await step('gateway-hop', () => onPlatform('hop', (env) => hop.run(env)));
if (wanted.has('latency')) {
  const age = brokerAgeS();
  if (age !== null && age < warmBrokerS) {
    // Not measured: the same load once, so that the broker's JIT has compiled what it will run.
    await step(`Kafka broker warm-up (started ${Math.round(age)} s ago; one discarded assignment run)`, () =>
      onPlatform('latency', (env) => assignment.run(env, { discard: true })),
    );
  }
  await step('assignment-latency', () => onPlatform('latency', (env) => assignment.run(env)));
}
if (wanted.has('kafka')) await step('kafka-latency', () => kafka.run(testkit.uniqueTopicPrefix('bench-kafka')));
if (wanted.has('open-case')) await step('open-case', () => openCase.runAll());

finish(failures > 0 ? 1 : 0);
