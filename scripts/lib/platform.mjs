// What the benchmarks (scripts/bench/lib.mjs) and the soak and schemathesis launchers
// (scripts/soak/lib.mjs) share: the compiled testkit, a platform launched on a fresh database and
// its own topic prefix with a discarding mail sink, customer accounts, rounding and percentiles.
// Plain Node ESM, no build step of its own; needs `npx tsc -b` for libs/testkit/dist.
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const require = createRequire(import.meta.url);
export const testkit = require(resolve(root, 'libs/testkit/dist/index.js'));

/** The platform's processes, by the name testkit.launchPlatform gives them. */
export const services = ['gateway', 'auth', 'case', 'agent', 'notification'];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function round(value, digits = 2) {
  if (value === null || value === undefined || Number.isNaN(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Nearest-rank percentile of numbers (sorted here, numerically). */
export function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

/**
 * A discarding SMTP server (scripts/bench/smtp-discard.mjs) in a child process on a free loopback
 * port, so the load's mails neither land in the shared sink's .helmdesk/mail nor cost the harness
 * process CPU.
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
    stop: () => {
      child.kill();
    },
  };
}

/**
 * The whole platform as real processes from dist/ (testkit.launchPlatform) on a fresh database
 * (name prefix `database`) and its own topic prefix (from `topics`), with a discarding mail sink
 * and a first admin `adminEmail` with a random password. `env` is added to every process's
 * environment, `serviceEnv` per service. `createTopicsFirst`: create the topics before launching,
 * retried (a busy broker may answer UNKNOWN_TOPIC_OR_PARTITION right after CreateTopics, which
 * kafkajs' waitForLeaders does not retry; the launcher then finds them all).
 *
 * stop() stops the processes and the mail sink (once); the database and the topics stay until
 * drop(). When the launch fails, everything it made is removed before the error is rethrown.
 */
export async function launchOnFreshDatabase({ database, topics, adminEmail, logDir, env = {}, serviceEnv = {}, createTopicsFirst = false }) {
  const db = await testkit.createTestDatabase(database);
  const smtp = await startSmtpDiscard();
  const topicPrefix = testkit.uniqueTopicPrefix(topics);
  const admin = { email: adminEmail, password: randomBytes(12).toString('base64url') };
  let platform;
  try {
    if (createTopicsFirst) await createTopicsRetried(topicPrefix);
    platform = await testkit.launchPlatform({
      databaseUrl: db.url,
      kafkaBrokers: testkit.stackEnv.kafkaBrokers,
      smtpUrl: smtp.url,
      topicPrefix,
      adminEmail: admin.email,
      adminPassword: admin.password,
      env,
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
  let stopped = null;
  return {
    platform,
    db,
    smtp,
    topicPrefix,
    api,
    logDir,
    admin: { ...adminLogin, email: admin.email, password: admin.password, token: adminLogin.client.token },
    stop() {
      stopped ??= platform.stop().finally(() => smtp.stop());
      return stopped;
    },
    async drop() {
      await db.drop().catch(() => undefined);
      await testkit.deletePrefixedTopics(topicPrefix).catch(() => undefined);
    },
  };
}

/** The platform's topics under `topicPrefix`, up to 6 attempts 1, 2, 3… s apart. */
async function createTopicsRetried(topicPrefix) {
  for (let attempt = 1; ; attempt++) {
    try {
      await testkit.createPlatformTopics(testkit.stackEnv.kafkaBrokers, topicPrefix);
      return;
    } catch (err) {
      if (attempt >= 6) throw err;
      await sleep(1_000 * attempt);
    }
  }
}

/** A customer account (public registration, `name`, an address at `domain`) and a client acting as it. */
export async function registerCustomer(env, tag, { domain, name }) {
  const email = `customer-${tag}-${randomBytes(4).toString('hex')}@${domain}`;
  const password = randomBytes(12).toString('base64url');
  const reg = await env.api.post('/api/v1/auth/register', { email, password, name });
  if (reg.status !== 201) throw new Error(`register answered ${reg.status}: ${JSON.stringify(reg.body)}`);
  const { client, user } = await env.api.login(email, password);
  return { client, user, email, token: client.token };
}

/** Exits once stdout is flushed (kafkajs may leave retry timers that would keep Node alive). */
export function finish(code = process.exitCode ?? 0) {
  process.stdout.write('', () => process.exit(code));
}
