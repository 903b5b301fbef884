import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import bcrypt from 'bcrypt';
import { sql } from 'kysely';
import { createDatabase, createLogger, generateSigningKeyPem, loadConfig, startHttpServer } from '@helmdesk/platform';
import { authConfigSchema } from '../config';
import { createAuthService } from '../service';
import { createAccount } from '../use-cases/users';

/**
 * Sign-ins per second through the real HTTP app (routing, validation, limits bookkeeping in
 * Postgres, bcrypt, refresh-token family, ES256 access token) against the bcrypt ceiling: as many
 * `bcrypt.compare` calls per second as the same process manages at the same cost and the same
 * concurrency, in the same run. Loopback only, bounded (BENCH_SECONDS per phase). Prints one JSON
 * line. Run after `npx tsc -b services/auth`: `node services/auth/dist/bench/login.js`.
 *
 * The ceiling runs as many compares at once as the libuv thread pool has threads (more cannot go
 * faster). Sign-ins are measured twice: with that same number of clients — each sign-in then
 * leaves its bcrypt thread idle during its database steps — and with BENCH_LOAD_CONCURRENCY
 * clients (4 × the pool), a loaded server, where other sign-ins keep the threads busy meanwhile.
 * The goal compares the loaded figure with the ceiling.
 *
 * Env: DATABASE_URL (a superuser URL of the local stack; a scratch database is created and
 * dropped), BENCH_SECONDS (10), BENCH_CONCURRENCY (the libuv thread pool size, 4 by default),
 * BENCH_LOAD_CONCURRENCY (16), BENCH_COST (10), BENCH_USERS (16).
 */

const cost = Number(process.env.BENCH_COST ?? 10);
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const threadPool = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? threadPool);
const loadConcurrency = Number(process.env.BENCH_LOAD_CONCURRENCY ?? concurrency * 4);
const userCount = Number(process.env.BENCH_USERS ?? 16);
const adminUrl = process.env.DATABASE_URL ?? 'postgres://helmdesk:helmdesk@127.0.0.1:5432/helmdesk';

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `task` in `loops` concurrent loops for `ms`; returns completions, failures and latencies. */
async function closedLoop(ms: number, task: (worker: number, i: number) => Promise<boolean>, loops = concurrency) {
  const deadline = performance.now() + ms;
  let ok = 0;
  let failed = 0;
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: loops }, async (_, worker) => {
      for (let i = 0; performance.now() < deadline; i++) {
        const t0 = performance.now();
        if (await task(worker, i)) {
          ok++;
          latencies.push(performance.now() - t0);
        } else {
          failed++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: ok / elapsed, ok, failed, elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

async function withScratchDatabase<T>(run: (url: string) => Promise<T>): Promise<T> {
  const name = `helmdesk_bench_auth_${randomBytes(4).toString('hex')}`;
  const admin = createDatabase<unknown>({ url: adminUrl, schema: 'public', poolMax: 1, applicationName: 'helmdesk-auth-bench' });
  await sql`create database ${sql.id(name)}`.execute(admin.db);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  try {
    return await run(url.toString());
  } finally {
    await sql`drop database if exists ${sql.id(name)} with (force)`.execute(admin.db).catch(() => undefined);
    await admin.close();
  }
}

async function main(): Promise<void> {
  const result = await withScratchDatabase(async (url) => {
    const config = loadConfig(authConfigSchema, {
      DATABASE_URL: url,
      // Never contacted: no relay or consumer runs in the benchmark.
      KAFKA_BROKERS: '127.0.0.1:9',
      JWT_SIGNING_KEYS: generateSigningKeyPem(),
      BCRYPT_COST: String(cost),
      LOG_LEVEL: 'silent',
      SHUTDOWN_DRAIN_MS: '1000',
      HELMDESK_ADMIN_PASSWORD: 'bench-admin-password',
    });
    const svc = createAuthService(config, { logger: createLogger('auth-bench', 'silent'), print: () => undefined });
    await svc.host.migrate();
    const password = 'bench-password-1';
    const users = await Promise.all(
      Array.from({ length: userCount }, (_, i) =>
        createAccount(svc.deps, { email: `bench${i}@example.com`, name: `Bench ${i}`, role: 'customer', password }),
      ),
    );
    const server = await startHttpServer(svc.app, 0, '127.0.0.1');
    try {
      const body = (i: number) => JSON.stringify({ email: users[i % users.length]!.email, password });
      const loginOnce = async (worker: number, i: number) => {
        const res = await fetch(`${server.url}/api/v1/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: body(worker * 1000 + i),
        });
        await res.arrayBuffer();
        return res.status === 200;
      };
      const hash = users[0]!.passwordHash;
      const compareOnce = async () => bcrypt.compare(password, hash);

      await closedLoop(1_000, loginOnce, loadConcurrency); // warm-up: JIT, pools, keep-alive connections
      const logins = await closedLoop(seconds * 1000, loginOnce, loadConcurrency);
      const loginsAtPool = await closedLoop(seconds * 1000, loginOnce);
      const ceiling = await closedLoop(seconds * 1000, compareOnce);
      return { logins, loginsAtPool, ceiling };
    } finally {
      await server.close(1_000);
      await svc.stop();
    }
  });
  const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
  process.stdout.write(
    `${JSON.stringify({
      bench: 'auth-login',
      bcryptCost: cost,
      concurrency,
      loadConcurrency,
      threadPool,
      cpus: availableParallelism(),
      secondsPerPhase: seconds,
      loginsPerSecond: round(result.logins.perSecond),
      bcryptComparesPerSecond: round(result.ceiling.perSecond),
      ratio: round(result.logins.perSecond / result.ceiling.perSecond, 3),
      logins: result.logins.ok,
      loginErrors: result.logins.failed,
      loginP50Ms: round(result.logins.p50),
      loginP99Ms: round(result.logins.p99),
      loginsPerSecondAtPoolConcurrency: round(result.loginsAtPool.perSecond),
      ratioAtPoolConcurrency: round(result.loginsAtPool.perSecond / result.ceiling.perSecond, 3),
      loginAtPoolP50Ms: round(result.loginsAtPool.p50),
      loginAtPoolP99Ms: round(result.loginsAtPool.p99),
      compareP50Ms: round(result.ceiling.p50),
    })}\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`auth bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
