// Benchmark 1 (issue 4): what the gateway hop costs. In one run, with the same autocannon
// settings: an authenticated `GET /api/v1/cases/:id` through the gateway, the same GET straight
// to the case service's port (same token: the service verifies it again), and a bare Express
// `GET /hello` in its own process. Goals: gateway ≥ 40 % of bare Express req/s, and the hop adds
// ≤ 5 ms at p99 (gateway p99 − direct p99).
//
// At saturation the two p99s are taken at different loads (the direct run pushes the case service
// harder), so the hop is also measured at equal load: the same paced rate (open loop) through
// the gateway and straight to the service, interleaved request by request.
//
//   node scripts/bench/gateway-hop.mjs      (alone: launches its own platform)
//   BENCH_CONNECTIONS (20), BENCH_DURATION_S (10), BENCH_WARMUP_S (2), BENCH_HOP_RATE (200/s)
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { cannon, cannonFigures, cpuMeter, emit, finish, newCustomer, onPlatform, paced, progress, root, round, summary } from './lib.mjs';

const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const duration = Number(process.env.BENCH_DURATION_S ?? 10);
const warmup = Number(process.env.BENCH_WARMUP_S ?? 2);
const hopRate = Number(process.env.BENCH_HOP_RATE ?? 200);
const hopSeconds = Math.min(duration, 5);

async function startHello() {
  const child = fork(resolve(root, 'scripts/bench/hello-server.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((res, rej) => {
    child.once('message', (m) => res(m.port));
    child.once('exit', (code) => rej(new Error(`hello server exited with ${code}`)));
  });
  return { url: `http://127.0.0.1:${port}/hello`, pid: child.pid, stop: () => child.kill() };
}

async function saturate(target, url, headers, meter) {
  progress(`gateway hop: ${target} — warm-up ${warmup} s, then ${duration} s × ${connections} connections`);
  await cannon({ url, headers, connections, duration: warmup });
  meter.restart();
  const figures = cannonFigures(await cannon({ url, headers, connections, duration }));
  const cpu = meter.read();
  if (figures.non2xx > 0 || figures.errors > 0) throw new Error(`${target}: ${figures.non2xx} non-2xx, ${figures.errors} errors`);
  const line = { benchmark: 'gateway-hop', target, connections, ...figures, cpuSeconds: cpu };
  emit(line);
  return line;
}

/**
 * Paced GETs, `hopRate` per second to each target, interleaved request by request (even: direct,
 * odd: gateway), so whatever else the machine does meanwhile weighs on both alike.
 */
async function equalLoad(env, targets, meter) {
  const names = Object.keys(targets);
  const latencies = Object.fromEntries(names.map((k) => [k, []]));
  meter.restart();
  const run = await paced({
    url: new URL(targets[names[0]].url).origin,
    rate: hopRate * names.length,
    durationMs: hopSeconds * 1000,
    make: (i) => {
      const { url, headers } = targets[names[i % names.length]];
      const u = new URL(url);
      return { method: 'GET', origin: u.origin, path: u.pathname, headers };
    },
    onDone: (i, status, _body, _sentAt, ms) => {
      if (status !== 200) throw new Error(`${names[i % names.length]} at ${hopRate}/s answered ${status}`);
      latencies[names[i % names.length]].push(ms);
    },
  });
  if (run.errors > 0) throw new Error(`equal load: ${run.errors} failed requests`);
  const cpu = meter.read();
  return {
    cpu,
    ...Object.fromEntries(
      Object.entries(latencies).map(([k, v]) => {
        const s = summary(v);
        return [k, { p50Ms: s.p50, p90Ms: s.p90, p99Ms: s.p99, maxMs: s.max, requests: s.n }];
      }),
    ),
  };
}

export async function run(env) {
  const customer = await newCustomer(env, 'hop');
  const opened = await customer.client.post('/api/v1/cases', { subject: 'Benchmark case', description: 'Read over and over.' });
  if (opened.status !== 201) throw new Error(`open case answered ${opened.status}`);
  const path = `/api/v1/cases/${opened.body.id}`;
  const headers = { authorization: `Bearer ${customer.token}`, accept: 'application/json' };
  const directUrl = `http://127.0.0.1:${env.platform.ports.case}${path}`;
  const gatewayUrl = `${env.platform.url}${path}`;
  const hello = await startHello();
  const meter = cpuMeter(env, { hello: () => hello.pid });
  try {
    const bare = await saturate('bare-express', hello.url, {}, meter);
    const direct = await saturate('case-direct', directUrl, headers, meter);
    const gateway = await saturate('gateway', gatewayUrl, headers, meter);

    progress(`gateway hop: equal load — ${hopRate} req/s each, direct and gateway interleaved request by request, ${hopSeconds} s`);
    const {
      direct: directPaced,
      gateway: gatewayPaced,
      cpu: pacedCpu,
    } = await equalLoad(env, { direct: { url: directUrl, headers }, gateway: { url: gatewayUrl, headers } }, meter);
    emit({ benchmark: 'gateway-hop-paced', ratePerSec: hopRate, seconds: hopSeconds, direct: directPaced, gateway: gatewayPaced, cpuSeconds: pacedCpu });

    const ratio = gateway.reqPerSec / bare.reqPerSec;
    const hopP99 = gateway.p99Ms - direct.p99Ms;
    const hopP99Paced = gatewayPaced.p99Ms - directPaced.p99Ms;
    const perRequestMs = (line, svc) => round((line.cpuSeconds[svc] * 1000) / line.requests, 3);
    const result = {
      benchmark: 'gateway-hop-summary',
      gatewayReqPerSec: gateway.reqPerSec,
      directReqPerSec: direct.reqPerSec,
      bareReqPerSec: bare.reqPerSec,
      gatewayVsBare: round(ratio, 3),
      gatewayVsDirect: round(gateway.reqPerSec / direct.reqPerSec, 3),
      hopP50Ms: round(gateway.p50Ms - direct.p50Ms, 2),
      hopP99Ms: round(hopP99, 2),
      hopP50MsEqualLoad: round(gatewayPaced.p50Ms - directPaced.p50Ms, 2),
      hopP99MsEqualLoad: round(hopP99Paced, 2),
      cpuMsPerRequest: {
        bareHello: perRequestMs(bare, 'hello'),
        directCase: perRequestMs(direct, 'case'),
        gatewayGateway: perRequestMs(gateway, 'gateway'),
        gatewayCase: perRequestMs(gateway, 'case'),
        gatewayPostgres: perRequestMs(gateway, 'postgres'),
      },
      goalThroughput: 'gateway >= 40% of bare Express req/s',
      goalThroughputMet: ratio >= 0.4,
      goalHop: 'gateway p99 - direct p99 <= 5 ms (same connections, saturation)',
      goalHopMet: hopP99 <= 5,
      hopAtEqualLoadWithin5Ms: hopP99Paced <= 5,
    };
    emit(result);
    return result;
  } finally {
    hello.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await onPlatform('hop', run);
  finish();
}
