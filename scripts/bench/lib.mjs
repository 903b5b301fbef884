// Shared pieces of the benchmarks (scripts/bench/*.mjs): the compiled testkit, result lines,
// progress lines, a platform launched for the benchmark, autocannon, a paced (open-loop) load
// generator and percentiles. Plain Node ESM, no build step; needs `npx tsc -b` for the testkit.
// What the soak shares with them lives in scripts/lib/platform.mjs.
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { cpus, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { launchOnFreshDatabase, percentile, registerCustomer, require, root, round, services as platformServices, sleep, testkit } from '../lib/platform.mjs';

export { finish, percentile, require, root, round, sleep, testkit } from '../lib/platform.mjs';
export const autocannon = require('autocannon');

/** One result: one JSON line on stdout (bench.sh collects them). */
export function emit(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Progress goes to stderr, so stdout stays JSON lines only. */
export function progress(message) {
  process.stderr.write(`bench: ${message}\n`);
}

export function maxOf(values) {
  return values.reduce((m, v) => (v > m ? v : m), -Infinity);
}

export function summary(values, digits = 2) {
  if (values.length === 0) return { n: 0, p50: null, p90: null, p99: null, max: null, mean: null };
  return {
    n: values.length,
    p50: round(percentile(values, 50), digits),
    p90: round(percentile(values, 90), digits),
    p99: round(percentile(values, 99), digits),
    max: round(maxOf(values), digits),
    mean: round(values.reduce((a, b) => a + b, 0) / values.length, digits),
  };
}

export function machine() {
  return {
    nproc: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
  };
}

/**
 * The whole platform as real processes from dist/ (testkit.launchPlatform) on a fresh database
 * and its own topic prefix, with a discarding mail sink. LOG_LEVEL is `warn` unless
 * BENCH_LOG_LEVEL says otherwise: at `info` every request is an access-log line that this very
 * process (the launcher reads the children's pipes) would have to read while it generates load.
 * `admin` is a client signed in as the first admin. stop() stops the processes; the database
 * stays until drop() (pgbench runs on it afterwards).
 */
export async function startPlatform(label) {
  const env = await launchOnFreshDatabase({
    database: `bench_${label}`,
    topics: `bench-${label}`,
    adminEmail: `admin@${label}.bench`,
    logDir: resolve(root, `.helmdesk/bench/logs-${label}`),
    // BCRYPT_COST only speeds up the set-up logins here; login speed is services/auth's own bench.
    env: { BCRYPT_COST: '4', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', HELMDESK_WEBHOOK_ALLOW_PRIVATE: 'true' },
  });
  return { ...env, admin: env.admin.client };
}

/** Runs `body` on a platform of its own (startPlatform), stopped and dropped afterwards. */
export async function onPlatform(label, body) {
  const env = await startPlatform(label);
  try {
    return await body(env);
  } finally {
    await env.stop();
    await env.drop();
  }
}

/**
 * Waits (up to `timeoutMs`) until the broker answers: the local stack is shared, and a fault
 * test elsewhere may be restarting Kafka; a benchmark started meanwhile would measure nothing.
 */
export async function waitForKafka(timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  let announced = false;
  for (;;) {
    const admin = testkit.testKafka('helmdesk-bench-probe').admin({ retry: { retries: 0 } });
    try {
      await admin.connect();
      await admin.listTopics();
      await admin.disconnect();
      return;
    } catch (err) {
      await admin.disconnect().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`Kafka did not answer within ${timeoutMs} ms: ${err.message}`, { cause: err });
      if (!announced) progress('waiting for Kafka to answer (restarted by someone else?)');
      announced = true;
      await sleep(1_000);
    }
  }
}

/** A customer account (public registration) and a client acting as it. */
export function newCustomer(env, tag) {
  return registerCustomer(env, tag, { domain: 'bench.test', name: `Bench ${tag}` });
}

/**
 * autocannon as a promise. Besides its own result (whole-millisecond histogram), every 2xx
 * response time is kept (fractional ms) so p50/p99 of fast endpoints are not rounded away.
 */
export function cannon(options) {
  const times = [];
  return new Promise((res, rej) => {
    // With a rate, autocannon "corrects" coordinated omission with an expected interval of
    // ceil(1/rate) = 1 ms, which floods the histogram with made-up samples: turn that off.
    const rated = options.overallRate !== undefined || options.connectionRate !== undefined;
    const instance = autocannon({ ...(rated ? { ignoreCoordinatedOmission: true } : {}), ...options }, (err, result) =>
      err ? rej(err) : res({ result, times }),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) times.push(ms);
    });
    instance.on('error', rej);
  });
}

/** The figures we report from an autocannon run (latency from the fractional response times). */
export function cannonFigures({ result, times }) {
  return {
    reqPerSec: round(result.requests.total / result.duration, 0),
    p50Ms: round(percentile(times, 50), 2),
    p90Ms: round(percentile(times, 90), 2),
    p99Ms: round(percentile(times, 99), 2),
    maxMs: round(times.length ? maxOf(times) : null, 2),
    requests: result.requests.total,
    durationS: result.duration,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/**
 * An open-loop generator: request i is sent at start + i/rate whatever the previous ones are
 * doing (keep-alive connections, as many as needed). Latency is measured from the moment each
 * request was due, so a stall is not hidden (no coordinated omission). `make(i)` returns
 * `{ method, path, headers, body, origin? }` (origin: another server than `url`);
 * `onDone(i, status, body, sentAt, ms)` sees each answer.
 */
export async function paced({ url, rate, durationMs, make, onDone, maxSockets = 256 }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const base = new URL(url);
  const total = Math.round((rate * durationMs) / 1000);
  const latencies = [];
  const statuses = {};
  let errors = 0;
  const inflight = new Set();
  const start = performance.now();
  const send = (i) => {
    const due = start + (i * 1000) / rate;
    const req = make(i);
    const body = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const p = new Promise((done) => {
      const sentAt = Date.now();
      const r = http.request(
        {
          host: req.origin ? new URL(req.origin).hostname : base.hostname,
          port: req.origin ? new URL(req.origin).port : base.port,
          method: req.method,
          path: req.path,
          agent,
          headers: { ...req.headers, ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}) },
        },
        (res) => {
          const chunks = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const ms = performance.now() - due;
            latencies.push(ms);
            statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
            onDone?.(i, res.statusCode, Buffer.concat(chunks).toString(), sentAt, ms);
            done();
          });
        },
      );
      r.on('error', () => {
        errors++;
        done();
      });
      r.end(body);
    });
    inflight.add(p);
    p.then(() => inflight.delete(p));
  };
  let next = 0;
  while (next < total) {
    const now = performance.now();
    while (next < total && start + (next * 1000) / rate <= now) send(next++);
    if (next < total) await sleep(Math.max(0, start + (next * 1000) / rate - performance.now()));
  }
  const sentMs = performance.now() - start;
  await Promise.all(inflight);
  agent.destroy();
  return { total, sentMs, elapsedMs: performance.now() - start, latencies, statuses, errors };
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return 0;
  }
}

const clockTicks = 100; // USER_HZ on Linux

function machineJiffies() {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = cpu.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = cpu[3] + cpu[4];
  // irq + softirq: the kernel's own network work (loopback TCP) is partly accounted there, to
  // no process; steal: time the hypervisor gave to other guests.
  return { total, busy: total - idle, irq: cpu[5] + cpu[6], steal: cpu[7] };
}

/** PIDs of every process whose command name is `name` and whose title contains `title`. */
function pidsNamed(name, title) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== name) continue;
      if (title && !readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(title)) continue;
      pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * CPU used by each platform process, the Postgres backends of the benchmark's database (their
 * process title names it), the Kafka broker (shared with whoever else uses the local stack) and
 * this harness, between restart() and read(); and what the whole machine did meanwhile.
 * Backends that exit during the window are not counted (the pools keep theirs open).
 * `extra`: more processes to watch, name → () => pid. Without `env.platform` / `env.db`, only
 * the broker, this process and the machine are watched.
 */
export function cpuMeter(env, extra = {}) {
  const platform = env.platform;
  const names = platform ? platformServices : [];
  const pids = { ...Object.fromEntries(names.map((s) => [s, () => platform.pid(s)])), ...extra };
  const services = Object.keys(pids);
  const sample = () => {
    const s = { harness: process.cpuUsage() };
    for (const svc of services) s[svc] = cpuSeconds(pids[svc]());
    s.pg = new Map(env.db ? pidsNamed('postgres', ` ${env.db.name} `).map((pid) => [pid, cpuSeconds(pid)]) : []);
    s.kafka = pidsNamed('java').reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    s.machine = machineJiffies();
    s.wall = performance.now();
    return s;
  };
  let first = sample();
  return {
    restart() {
      first = sample();
    },
    /** CPU seconds per process over the window, and the cores' total busy share. */
    read() {
      const last = sample();
      const out = {};
      for (const svc of services) out[svc] = round(last[svc] - first[svc], 2);
      let pg = 0;
      for (const [pid, now] of last.pg) pg += now - (first.pg.get(pid) ?? 0);
      out.postgres = round(pg, 2);
      out.kafka = round(last.kafka - first.kafka, 2);
      const h = process.cpuUsage(first.harness);
      out.harness = round((h.user + h.system) / 1e6, 2);
      out.wallS = round((last.wall - first.wall) / 1000, 2);
      // Everything the machine's cores did (ours and anybody else's), in CPU seconds.
      out.machineBusy = round((last.machine.busy - first.machine.busy) / clockTicks, 2);
      out.machineCapacity = round((last.machine.total - first.machine.total) / clockTicks, 2);
      out.machineIrq = round((last.machine.irq - first.machine.irq) / clockTicks, 2);
      out.machineSteal = round((last.machine.steal - first.machine.steal) / clockTicks, 2);
      return out;
    },
  };
}

/**
 * Samples pg_stat_activity of one database (by name) every `everyMs` and counts, per application
 * (helmdesk-case, helmdesk-agent…), how many of its connections were in a transaction and
 * executing ("active"), in a transaction waiting for the service ("idle in transaction"), or
 * outside any transaction. Mean connections per state = count / samples. A diagnostic: where a
 * service spends the time of a serial consumer.
 */
export function pgActivitySampler(database, everyMs = 100) {
  const pg = require('pg');
  // Connected to the stack's own database, so its backend is not counted as the platform's.
  const client = new pg.Client({ connectionString: testkit.stackEnv.databaseUrl, application_name: 'helmdesk-bench-sampler' });
  const counts = {};
  const waits = {};
  let samples = 0;
  let running = true;
  const loop = (async () => {
    await client.connect();
    while (running) {
      const { rows } = await client.query(
        `select application_name as app, state, wait_event_type as wtype, wait_event as wait
           from pg_stat_activity where datname = $1`,
        [database],
      );
      samples++;
      for (const r of rows) {
        const app = r.app.replace(/^helmdesk-/, '') || 'other';
        counts[app] ??= {};
        counts[app][r.state] = (counts[app][r.state] ?? 0) + 1;
        if (r.state === 'active' && r.wtype) {
          const k = `${app} ${r.wtype}:${r.wait}`;
          waits[k] = (waits[k] ?? 0) + 1;
        }
      }
      await sleep(everyMs);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop.catch(() => undefined);
      await client.end().catch(() => undefined);
      const mean = {};
      for (const [app, states] of Object.entries(counts)) {
        mean[app] = Object.fromEntries(Object.entries(states).map(([s, n]) => [s, round(n / samples, 2)]));
      }
      const topWaits = Object.fromEntries(
        Object.entries(waits)
          .sort((a, b) => b[1] - a[1])
          .slice(0, 6)
          .map(([k, n]) => [k, round(n / samples, 2)]),
      );
      return { samples, meanConnectionsByState: mean, activeWaits: topWaits };
    },
  };
}
