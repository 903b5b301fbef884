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
import { emit, finish, machine, onPlatform, progress, testkit, waitForKafka } from './lib.mjs';

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

if (wanted.has('hop')) await step('gateway-hop', () => onPlatform('hop', (env) => hop.run(env)));
if (wanted.has('latency')) await step('assignment-latency', () => onPlatform('latency', (env) => assignment.run(env)));
if (wanted.has('kafka')) await step('kafka-latency', () => kafka.run(testkit.uniqueTopicPrefix('bench-kafka')));
if (wanted.has('open-case')) await step('open-case', () => openCase.runAll());

finish(failures > 0 ? 1 : 0);
