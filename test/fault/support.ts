import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { allTopicNames } from '@helmdesk/contracts';
import {
  ApiClient,
  createPlatformTopics,
  createTestDatabase,
  deletePrefixedTopics,
  eventually,
  launchPlatform,
  mailHeader,
  stackEnv,
  TopicCollector,
  uniqueTopicPrefix,
  type LaunchOptions,
  type PlatformService,
  type RunningPlatform,
  type TestDatabase,
} from '@helmdesk/testkit';

/**
 * What the fault tests share: a whole platform (real processes from dist/) on a fresh database and
 * topic prefix, a collector of every topic and DLQ, accounts, a steady load, the SMTP sink's mails
 * and the local stack driven without blocking the event loop (the load keeps its pace meanwhile).
 */
export const repoRoot = resolve(__dirname, '../..');
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface FaultPlatform {
  label: string;
  platform: RunningPlatform;
  prefix: string;
  db: TestDatabase;
  api: ApiClient;
  admin: ApiClient;
  events: TopicCollector;
  logDir: string;
  /** A word unique to this run, for addresses and subjects. */
  run: string;
  stop(): Promise<void>;
}

/**
 * Creates the platform's topics, retrying: right after CreateTopics, a busy KRaft broker may
 * answer metadata requests for the new topics with UNKNOWN_TOPIC_OR_PARTITION for a moment, and
 * kafkajs' createTopics({waitForLeaders}) throws on that instead of waiting (see RELIABILITY.md).
 * With every topic there, the launcher's own createTopics has nothing left to create.
 */
export async function createTopicsWithRetry(prefix: string, attempts = 6): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await createPlatformTopics(stackEnv.kafkaBrokers, prefix);
      return;
    } catch (err) {
      if (attempt >= attempts) throw err;
      await sleep(1_000 * attempt);
    }
  }
}

export async function startFaultPlatform(
  label: string,
  options: { env?: Record<string, string>; serviceEnv?: LaunchOptions['serviceEnv']; suite?: string } = {},
): Promise<FaultPlatform> {
  const suite = options.suite ?? 'fault';
  const db = await createTestDatabase(`${suite}_${label.replace(/-/g, '_')}`);
  const prefix = uniqueTopicPrefix(`${suite}-${label}`);
  // Topics first: the collector subscribes before the platform publishes anything.
  await createTopicsWithRetry(prefix);
  let events: TopicCollector | undefined;
  for (let attempt = 1; !events; attempt++) {
    const collector = new TopicCollector(prefix, allTopicNames());
    try {
      events = await collector.start();
    } catch (err) {
      await collector.stop().catch(() => undefined);
      if (attempt >= 4) throw err;
      await sleep(1_000 * attempt);
    }
  }
  const adminAccount = { email: `admin-${label}@${suite}.test`, password: `admin-${randomBytes(8).toString('hex')}` };
  const logDir = resolve(repoRoot, `.helmdesk/reports/${suite}-logs/${label}`);
  let platform: RunningPlatform;
  try {
    platform = await launchPlatform({
      databaseUrl: db.url,
      kafkaBrokers: stackEnv.kafkaBrokers,
      smtpUrl: stackEnv.smtpUrl,
      topicPrefix: prefix,
      adminEmail: adminAccount.email,
      adminPassword: adminAccount.password,
      env: {
        BCRYPT_COST: '4',
        LOG_LEVEL: 'info',
        DELIVERY_POLL_MS: '100',
        DELIVERY_BACKOFF_MS: '200',
        DELIVERY_BACKOFF_MAX_MS: '2000',
        DELIVERY_MAX_ATTEMPTS: '50',
        ...options.env,
      },
      serviceEnv: options.serviceEnv,
      logDir,
      readyTimeoutMs: 120_000,
    });
  } catch (err) {
    await events.stop();
    await db.drop();
    await deletePrefixedTopics(prefix);
    throw err;
  }
  const api = new ApiClient(platform.url);
  const admin = (await api.login(adminAccount.email, adminAccount.password)).client;
  let stopped: Promise<void> | null = null;
  return {
    label,
    platform,
    prefix,
    db,
    api,
    admin,
    events,
    logDir,
    run: randomBytes(3).toString('hex'),
    stop() {
      stopped ??= (async () => {
        await platform.stop().catch(() => undefined);
        await events.stop().catch(() => undefined);
        await db.drop().catch(() => undefined);
        await deletePrefixedTopics(prefix);
      })();
      return stopped;
    },
  };
}

export interface Account {
  client: ApiClient;
  id: string;
  email: string;
  name: string;
}

export async function registerCustomer(fx: FaultPlatform, name: string): Promise<Account> {
  const email = `${name}-${fx.run}@fault.test`;
  const password = 'customer-password-1';
  const res = await fx.api.post('/api/v1/auth/register', { email, password, name });
  if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  const { client } = await fx.api.login(email, password);
  return { client, id: res.body.id, email, name };
}

export async function createAgent(
  fx: FaultPlatform,
  name: string,
  { online = true, capacity }: { online?: boolean; capacity?: number } = {},
): Promise<Account> {
  const email = `${name}-${fx.run}@fault.test`;
  const res = await fx.admin.post('/api/v1/users', { email, password: 'agent-password-1', name, role: 'agent' });
  if (res.status !== 201) throw new Error(`create agent ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  const { client } = await fx.api.login(email, 'agent-password-1');
  await eventually(async () => (await client.get('/api/v1/agents/me')).status === 200, { what: `${name}'s profile`, timeoutMs: 30_000 });
  if (capacity !== undefined) {
    const patched = await fx.admin.patch(`/api/v1/agents/${res.body.id}`, { capacity });
    if (patched.status !== 200) throw new Error(`capacity of ${name}: ${patched.status}`);
  }
  if (online) {
    const on = await client.patch('/api/v1/agents/me', { status: 'online' });
    if (on.status !== 200) throw new Error(`${name} online: ${on.status}`);
  }
  return { client, id: res.body.id, email, name };
}

/** Runs the local stack script without blocking the event loop (stackCommand is synchronous). */
export function stack(...args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const child = spawn('bash', [resolve(repoRoot, 'scripts/stack.sh'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('exit', (code) => (code === 0 ? res(out) : rej(new Error(`stack.sh ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits until a process (which killed itself, say) is gone. */
export async function waitExit(pid: number | undefined, what: string, timeoutMs = 30_000): Promise<void> {
  await eventually(() => !alive(pid), { what: `${what} (pid ${pid}) to exit`, timeoutMs, intervalMs: 50 });
}

/** The log lines of one service of a fault platform (JSON lines from pino, others as text). */
export function serviceLog(fx: FaultPlatform, service: PlatformService): string {
  const file = join(fx.logDir, `${service}.log`);
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}

export interface Mail {
  file: string;
  to: string;
  subject: string;
  delivery: string;
}

/** The mails the SMTP sink stored since `sinceMs` (file mtime), read once. */
export function mailsSince(sinceMs: number, dir = stackEnv.mailDir): Mail[] {
  if (!existsSync(dir)) return [];
  const mails: Mail[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.eml')) continue;
    const path = join(dir, file);
    try {
      if (statSync(path).mtimeMs < sinceMs - 1_000) continue;
      const raw = readFileSync(path, 'utf8');
      mails.push({ file, to: mailHeader(raw, 'To').toLowerCase(), subject: mailHeader(raw, 'Subject'), delivery: mailHeader(raw, 'X-Helmdesk-Delivery') });
    } catch {
      // being written or removed meanwhile
    }
  }
  return mails;
}

/** How many mails each `to|subject` pair got. */
export function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}

/** A kafkajs client on the local broker (for poison messages and group checks). */
export function kafka(clientId = 'helmdesk-fault-test'): Kafka {
  return new Kafka({ clientId, brokers: stackEnv.kafkaBrokers, logLevel: logLevel.NOTHING });
}

export interface LoadSample {
  op: string;
  status: number;
  /** Epoch ms when the request was sent and when its answer (or error) came. */
  sentAt: number;
  doneAt: number;
  contentType: string;
  body: unknown;
  error?: string;
}

/**
 * Sends `make(i)` every `intervalMs` (open loop: a slow answer does not delay the next request)
 * until stopped; records every answer, network errors as status 0.
 */
export function steadyLoad(
  baseUrl: string,
  intervalMs: number,
  make: (i: number) => { op: string; method: string; path: string; token?: string; body?: unknown },
) {
  const samples: LoadSample[] = [];
  const inflight = new Set<Promise<void>>();
  let running = true;
  let i = 0;
  const fire = (n: number) => {
    const req = make(n);
    const sentAt = Date.now();
    const p = fetch(`${baseUrl}${req.path}`, {
      method: req.method,
      headers: {
        accept: 'application/json',
        ...(req.body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(req.token ? { authorization: `Bearer ${req.token}` } : {}),
      },
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(30_000),
    })
      .then(async (r) => {
        const text = await r.text();
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // keep the text
        }
        samples.push({ op: req.op, status: r.status, sentAt, doneAt: Date.now(), contentType: r.headers.get('content-type') ?? '', body });
      })
      .catch((err: Error) => {
        samples.push({ op: req.op, status: 0, sentAt, doneAt: Date.now(), contentType: '', body: null, error: err.message });
      });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  const started = Date.now();
  const loop = (async () => {
    while (running) {
      fire(i++);
      const next = started + i * intervalMs;
      await sleep(Math.max(0, next - Date.now()));
    }
  })();
  return {
    samples,
    get sent() {
      return i;
    },
    async stop(): Promise<LoadSample[]> {
      running = false;
      await loop;
      await Promise.all([...inflight]);
      return samples;
    },
  };
}

/** Polls a URL every `intervalMs` and records each status (0 for no answer). */
export function poller(url: string, intervalMs = 250) {
  const statuses: { at: number; status: number }[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const status = await fetch(url, { signal: AbortSignal.timeout(2_000) })
        .then((r) => r.status)
        .catch(() => 0);
      statuses.push({ at: Date.now(), status });
      await sleep(intervalMs);
    }
  })();
  return {
    statuses,
    async stop() {
      running = false;
      await loop;
      return statuses;
    },
  };
}

/** Every item of a paged list, following nextCursor. */
export async function allPages<T = any>(client: ApiClient, path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res: { status: number; body: any } = await client.get(`${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error(`GET ${path}: too many pages`);
}

/** Summarizes statuses for a readable failure message. */
export function statusCounts(samples: { status: number }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) out[s.status] = (out[s.status] ?? 0) + 1;
  return out;
}

/** Writes a test's figures to .helmdesk/reports/reliability/<name>.json (RELIABILITY.md quotes them). */
export function recordFigures(name: string, figures: Record<string, unknown>): void {
  const dir = resolve(repoRoot, '.helmdesk/reports/reliability');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.json`), `${JSON.stringify({ test: name, at: new Date().toISOString(), ...figures }, null, 2)}\n`);
}

/** Nearest-rank percentile (ms). */
export function percentile(values: number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
