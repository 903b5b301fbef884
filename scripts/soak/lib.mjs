// Shared pieces of the soak run (scripts/soak.mjs) and the schemathesis launcher
// (scripts/schemathesis/launch.mjs): the compiled testkit, a platform launched on a fresh
// database and topic prefix with a discarding mail sink, accounts, percentiles, /proc readings.
// Plain Node ESM, no build step of its own; needs `npx tsc -b` for libs/testkit/dist.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const require = createRequire(import.meta.url);
export const testkit = require(resolve(root, 'libs/testkit/dist/index.js'));

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const services = ['gateway', 'auth', 'case', 'agent', 'notification'];

export function round(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Nearest-rank percentile. */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/** Least-squares slope of y over x (same units: y per x). */
export function slope(points) {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.x - mx) * (p.y - my);
    den += (p.x - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Resident set size of a process in MiB (VmRSS of /proc/<pid>/status), null when gone. */
export function rssMiB(pid) {
  if (!pid) return null;
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * A discarding SMTP server in a child process on a free loopback port: the load's mails neither
 * land in the shared sink's .helmdesk/mail nor cost this process CPU.
 */
export async function startSmtpDiscard() {
  const child = fork(resolve(root, 'scripts/bench/smtp-discard.mjs'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise((res, rej) => {
    child.once('message', (m) => res(m.port));
    child.once('exit', (code) => rej(new Error(`smtp sink exited with ${code}`)));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    pid: child.pid,
    received: () =>
      new Promise((res) => {
        child.once('message', (m) => res(m.received));
        child.send({ count: true });
      }),
    stop: () => child.kill(),
  };
}

/**
 * The whole platform as real processes from dist/ (testkit.launchPlatform) on a fresh database and
 * its own topic prefix, with a discarding mail sink. `env` is added to every process's environment.
 */
export async function startPlatform(label, { env = {}, serviceEnv = {}, logLevel = 'warn' } = {}) {
  const db = await testkit.createTestDatabase(label.replace(/[^a-z0-9_]/gi, '_'));
  const smtp = await startSmtpDiscard();
  const topicPrefix = testkit.uniqueTopicPrefix(label);
  const admin = { email: `admin@${label}.test`, password: randomBytes(12).toString('base64url') };
  const logDir = resolve(root, `.helmdesk/reports/${label}-logs`);
  let platform;
  try {
    // Topics first, retried: a busy broker may answer UNKNOWN_TOPIC_OR_PARTITION right after
    // CreateTopics, which kafkajs' waitForLeaders does not retry. The launcher then finds them all.
    for (let attempt = 1; ; attempt++) {
      try {
        await testkit.createPlatformTopics(testkit.stackEnv.kafkaBrokers, topicPrefix);
        break;
      } catch (err) {
        if (attempt >= 6) throw err;
        await sleep(1_000 * attempt);
      }
    }
    platform = await testkit.launchPlatform({
      databaseUrl: db.url,
      kafkaBrokers: testkit.stackEnv.kafkaBrokers,
      smtpUrl: smtp.url,
      topicPrefix,
      adminEmail: admin.email,
      adminPassword: admin.password,
      env: { BCRYPT_COST: '4', LOG_LEVEL: logLevel, DELIVERY_POLL_MS: '200', ...env },
      serviceEnv,
      logDir,
      readyTimeoutMs: 120_000,
    });
  } catch (err) {
    smtp.stop();
    await db.drop().catch(() => undefined);
    await testkit.deletePrefixedTopics(topicPrefix).catch(() => undefined);
    throw err;
  }
  const api = new testkit.ApiClient(platform.url);
  const adminLogin = await api.login(admin.email, admin.password);
  let stopping = null;
  return {
    platform,
    db,
    smtp,
    topicPrefix,
    api,
    logDir,
    admin: { ...adminLogin, email: admin.email, password: admin.password, token: adminLogin.client.token },
    /** Stops the processes, drops the database and the topics. */
    stop() {
      stopping ??= (async () => {
        await platform.stop().catch(() => undefined);
        smtp.stop();
        await db.drop().catch(() => undefined);
        await testkit.deletePrefixedTopics(topicPrefix).catch(() => undefined);
      })();
      return stopping;
    },
  };
}

/** A customer (public registration) and a client acting as it. */
export async function newCustomer(env, tag) {
  const email = `customer-${tag}-${randomBytes(4).toString('hex')}@soak.test`;
  const password = randomBytes(12).toString('base64url');
  const reg = await env.api.post('/api/v1/auth/register', { email, password, name: `Customer ${tag}` });
  if (reg.status !== 201) throw new Error(`register answered ${reg.status}: ${JSON.stringify(reg.body)}`);
  const { client, user } = await env.api.login(email, password);
  // ApiClient's token is private in TypeScript, a plain property at run time.
  return { client, user, email, token: client.token };
}

/** An agent account created by the admin, its profile present (it arrives through user.created). */
export async function newAgent(env, tag, { online = true, capacity } = {}) {
  const email = `agent-${tag}-${randomBytes(4).toString('hex')}@soak.test`;
  const password = randomBytes(12).toString('base64url');
  const created = await env.admin.client.post('/api/v1/users', { email, password, name: `Agent ${tag}`, role: 'agent' });
  if (created.status !== 201) throw new Error(`creating agent answered ${created.status}: ${JSON.stringify(created.body)}`);
  const { client, user } = await env.api.login(email, password);
  await testkit.eventually(async () => (await client.get('/api/v1/agents/me')).status === 200, {
    what: `${tag}'s agent profile`,
    timeoutMs: 30_000,
    intervalMs: 200,
  });
  if (capacity !== undefined) {
    const patched = await env.admin.client.patch(`/api/v1/agents/${user.id}`, { capacity });
    if (patched.status !== 200) throw new Error(`setting capacity answered ${patched.status}`);
  }
  if (online) {
    const res = await client.patch('/api/v1/agents/me', { status: 'online' });
    if (res.status !== 200) throw new Error(`going online answered ${res.status}`);
  }
  return { client, user, email, token: client.token };
}

/** Exits once stdout is flushed (kafkajs may leave retry timers that would keep Node alive). */
export function finish(code = process.exitCode ?? 0) {
  process.stdout.write('', () => process.exit(code));
}
