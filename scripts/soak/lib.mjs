// Shared pieces of the soak run (scripts/soak.mjs) and the schemathesis launcher
// (scripts/schemathesis/launch.mjs): the compiled testkit, a platform launched on a fresh
// database and topic prefix with a discarding mail sink, accounts, percentiles, /proc readings.
// Plain Node ESM, no build step of its own; needs `npx tsc -b` for libs/testkit/dist. What the
// benchmarks share with them lives in scripts/lib/platform.mjs.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { launchOnFreshDatabase, registerCustomer, root, sleep, testkit } from '../lib/platform.mjs';

export { finish, percentile, require, root, round, services, sleep, testkit } from '../lib/platform.mjs';

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
 * Retained heaps after a full GC, from heap snapshots: the processes are started with
 * `nodeOptions` (a snapshot on SIGUSR2, written to `dir`), and `measure(pid)` signals one, waits
 * for its snapshot (V8 collects all garbage first), sums the sizes of the objects in it and
 * deletes the file. A process pauses for about a second per snapshot, so measure at rest.
 */
export function heapProbe(dir) {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return {
    nodeOptions: `--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${dir}`,
    async measure(pid, timeoutMs = 60_000) {
      const mine = () => readdirSync(dir).filter((f) => f.endsWith('.heapsnapshot') && f.split('.').includes(String(pid)));
      const before = new Set(mine());
      process.kill(pid, 'SIGUSR2');
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        await sleep(250);
        const file = mine().find((f) => !before.has(f));
        if (!file) continue;
        const path = resolve(dir, file);
        const size = statSync(path).size;
        await sleep(250);
        if (statSync(path).size !== size || size === 0) continue;
        let snapshot;
        try {
          snapshot = JSON.parse(readFileSync(path, 'utf8'));
        } catch {
          continue; // still being written
        }
        rmSync(path, { force: true });
        const fields = snapshot.snapshot.meta.node_fields;
        const at = fields.indexOf('self_size');
        let bytes = 0;
        for (let i = at; i < snapshot.nodes.length; i += fields.length) bytes += snapshot.nodes[i];
        return bytes / 2 ** 20;
      }
      throw new Error(`no heap snapshot from pid ${pid} within ${timeoutMs} ms`);
    },
  };
}

/**
 * The whole platform as real processes from dist/ (testkit.launchPlatform) on a fresh database and
 * its own topic prefix (created first, retried), with a discarding mail sink. `env` is added to
 * every process's environment. `admin` is the first admin's login, address, password and token.
 */
export async function startPlatform(label, { env = {}, serviceEnv = {}, logLevel = 'warn' } = {}) {
  const launched = await launchOnFreshDatabase({
    database: label.replace(/[^a-z0-9_]/gi, '_'),
    topics: label,
    adminEmail: `admin@${label}.test`,
    logDir: resolve(root, `.helmdesk/reports/${label}-logs`),
    env: { BCRYPT_COST: '4', LOG_LEVEL: logLevel, DELIVERY_POLL_MS: '200', ...env },
    serviceEnv,
    createTopicsFirst: true,
  });
  let stopping = null;
  return {
    ...launched,
    /** Stops the processes, drops the database and the topics. */
    stop() {
      stopping ??= (async () => {
        await launched.stop().catch(() => undefined);
        await launched.drop();
      })();
      return stopping;
    },
  };
}

/** A customer (public registration) and a client acting as it. */
export function newCustomer(env, tag) {
  return registerCustomer(env, tag, { domain: 'soak.test', name: `Customer ${tag}` });
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
