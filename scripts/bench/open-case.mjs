// Benchmark 3 (issue 5): opening cases. `POST /api/v1/cases` through the gateway as a customer:
// the peak (autocannon, closed loop, 20 connections), then p50/p99 at half that rate (autocannon
// `overallRate`, on a fresh platform so the peak's backlog of events and mails does not weigh on
// it; and the same rate paced evenly, since autocannon's rate limit sends each second's quota in
// a burst). Baseline: pgbench running the same statement (case row + outbox row + history row in
// one statement, open-case.pgbench.sql) on the same database with -n -c 20 -j 2 -T 10, after the
// platform stopped (so its relay does not publish those rows). Goals: peak ≥ 20 % of pgbench's
// tps; p99 ≤ 30 ms at half the peak. A second peak run with the agent and notification services
// stopped shows what the write path alone does on the same cores.
//
//   node scripts/bench/open-case.mjs     (alone: launches its platforms)
//   BENCH_CONNECTIONS (20), BENCH_DURATION_S (10), BENCH_WARMUP_S (2)
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { cannon, cannonFigures, cpuMeter, emit, finish, newCustomer, onPlatform, paced, progress, root, round, summary } from './lib.mjs';

const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const duration = Number(process.env.BENCH_DURATION_S ?? 10);
const warmup = Number(process.env.BENCH_WARMUP_S ?? 2);
const pgbenchBin = process.env.PGBENCH ?? '/usr/lib/postgresql/15/bin/pgbench';

const body = JSON.stringify({
  subject: 'The printer is on fire again',
  description: 'It started after the last firmware update. Smoke, then flames.',
  priority: 'normal',
});

function requestOptions(env, customer) {
  return {
    url: `${env.platform.url}/api/v1/cases`,
    method: 'POST',
    headers: { authorization: `Bearer ${customer.token}`, 'content-type': 'application/json', accept: 'application/json' },
    body,
    connections,
  };
}

function check(what, figures) {
  if (figures.non2xx > 0 || figures.errors > 0 || figures.timeouts > 0) {
    throw new Error(`${what}: ${figures.non2xx} non-2xx, ${figures.errors} errors, ${figures.timeouts} timeouts`);
  }
}

/**
 * Peak: closed loop, as fast as 20 connections go. `isolated`: the agent and notification
 * services are stopped first, so the same machine runs only the write path (gateway, case
 * service, its relay, Postgres, Kafka): what the path itself can do, without the work each case
 * causes downstream competing for the same cores.
 */
export async function peak(env, { isolated = false } = {}) {
  const customer = await newCustomer(env, 'peak');
  const options = requestOptions(env, customer);
  if (isolated) {
    await env.platform.kill('agent');
    await env.platform.kill('notification');
  }
  progress(`open case: peak${isolated ? ' with the agent and notification services stopped' : ''} — warm-up ${warmup} s, then ${duration} s × ${connections} connections`);
  await cannon({ ...options, duration: warmup });
  const meter = cpuMeter(env);
  const figures = cannonFigures(await cannon({ ...options, duration }));
  const cpu = meter.read();
  check('peak', figures);
  const result = { benchmark: isolated ? 'open-case-peak-write-path' : 'open-case-peak', connections, ...figures, cpuSeconds: cpu };
  emit(result);
  return result;
}

/** Half the peak rate, on a fresh platform: autocannon's overallRate, then the same rate paced. */
export async function halfRate(env, rate) {
  const customer = await newCustomer(env, 'half');
  const options = requestOptions(env, customer);
  progress(`open case: ${rate} req/s (half the peak) — autocannon overallRate, ${duration} s`);
  await cannon({ ...options, duration: warmup, overallRate: rate });
  const figures = cannonFigures(await cannon({ ...options, duration, overallRate: rate }));
  check('half rate', figures);
  const pacedSeconds = Math.min(duration, 5);
  progress(`open case: ${rate} req/s paced evenly (open loop), ${pacedSeconds} s`);
  const run = await paced({
    url: env.platform.url,
    rate,
    durationMs: pacedSeconds * 1000,
    make: () => ({ method: 'POST', path: '/api/v1/cases', headers: { authorization: `Bearer ${customer.token}` }, body: JSON.parse(body) }),
  });
  const even = summary(run.latencies, 2);
  const result = {
    benchmark: 'open-case-half-rate',
    ratePerSec: rate,
    customerId: customer.user.id,
    autocannon: figures,
    paced: { seconds: pacedSeconds, requests: even.n, statuses: run.statuses, errors: run.errors, p50Ms: even.p50, p90Ms: even.p90, p99Ms: even.p99, maxMs: even.max },
  };
  emit(result);
  return result;
}

/** pgbench with the same statement on the platform's database (the platform stopped). */
export function pgbench(databaseUrl, customerId) {
  progress(`open case: pgbench -n -c ${connections} -j 2 -T ${duration} (case + outbox + history)`);
  const args = [
    '-n',
    '-c', String(connections),
    '-j', '2',
    '-T', String(duration),
    '-D', `customer=${customerId}`,
    '-f', resolve(root, 'scripts/bench/open-case.pgbench.sql'),
    databaseUrl,
  ];
  return new Promise((res, rej) => {
    execFile(pgbenchBin, args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) return rej(new Error(`pgbench failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
      const tps = /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout);
      const latency = /latency average = ([\d.]+) ms/.exec(stdout);
      const failed = /number of failed transactions: (\d+)/.exec(stdout);
      const result = {
        benchmark: 'open-case-pgbench',
        clients: connections,
        threads: 2,
        seconds: duration,
        tps: round(Number(tps?.[1]), 0),
        latencyAvgMs: round(Number(latency?.[1]), 2),
        failed: Number(failed?.[1] ?? 0),
      };
      emit(result);
      res(result);
    });
  });
}

/**
 * The latency floor for the half-rate goal: pgbench running the same statement at the same
 * rate (`-R`, scheduled evenly like the paced run; latency counted from the scheduled start), 5 s,
 * with per-transaction logs for the percentiles.
 */
export async function pgbenchPaced(databaseUrl, customerId, rate) {
  progress(`open case: pgbench -R ${rate} -c ${connections} -T 5 (latency at the half rate)`);
  const dir = mkdtempSync(join(tmpdir(), 'helmdesk-pgbench-'));
  const args = [
    '-n', '-c', String(connections), '-j', '2', '-T', '5', '-R', String(rate),
    '-l', '--log-prefix', join(dir, 'tx'),
    '-D', `customer=${customerId}`,
    '-f', resolve(root, 'scripts/bench/open-case.pgbench.sql'),
    databaseUrl,
  ];
  try {
    await new Promise((res, rej) =>
      execFile(pgbenchBin, args, { encoding: 'utf8' }, (err, _stdout, stderr) =>
        err ? rej(new Error(`pgbench -R failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`)) : res(),
      ),
    );
    // Log lines: client_id transaction_no time_us script_no time_epoch time_us [schedule_lag_us]
    const latencies = readdirSync(dir).flatMap((f) =>
      readFileSync(join(dir, f), 'utf8').trim().split('\n').filter(Boolean).map((line) => {
        const fields = line.split(' ');
        return (Number(fields[2]) + Number(fields[6] ?? 0)) / 1000;
      }),
    );
    const s = summary(latencies);
    const result = { benchmark: 'open-case-pgbench-paced', ratePerSec: rate, transactions: s.n, p50Ms: s.p50, p99Ms: s.p99, maxMs: s.max };
    emit(result);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function verdict(peakResult, half, bench, pacedBench) {
  const ratio = peakResult.reqPerSec / bench.tps;
  const p99 = half.autocannon.p99Ms;
  const result = {
    benchmark: 'open-case-summary',
    peakReqPerSec: peakResult.reqPerSec,
    peakP50Ms: peakResult.p50Ms,
    peakP99Ms: peakResult.p99Ms,
    halfRatePerSec: half.ratePerSec,
    halfP50Ms: half.autocannon.p50Ms,
    halfP99Ms: p99,
    halfPacedP50Ms: half.paced.p50Ms,
    halfPacedP99Ms: half.paced.p99Ms,
    pgbenchTps: bench.tps,
    pgbenchPacedP50Ms: pacedBench?.p50Ms ?? null,
    pgbenchPacedP99Ms: pacedBench?.p99Ms ?? null,
    peakVsPgbench: round(ratio, 3),
    goalThroughput: 'peak >= 20% of pgbench tps',
    goalThroughputMet: ratio >= 0.2,
    goalLatency: 'p99 <= 30 ms at half the peak',
    goalLatencyMet: p99 <= 30 && half.paced.p99Ms <= 30,
  };
  emit(result);
  return result;
}

/**
 * The whole benchmark: the peak, the write path alone, then half the peak on a fresh platform and,
 * once that platform is stopped, pgbench (full speed and paced at the half rate) on its database.
 */
export async function runAll() {
  const top = await onPlatform('peak', (env) => peak(env));
  await onPlatform('peak-write-path', (env) => peak(env, { isolated: true }));
  await onPlatform('half', async (env) => {
    const half = await halfRate(env, Math.max(1, Math.round(top.reqPerSec / 2)));
    await env.stop();
    const bench = await pgbench(env.db.url, half.customerId);
    verdict(top, half, bench, await pgbenchPaced(env.db.url, half.customerId, half.ratePerSec));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runAll();
  finish();
}
