import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { allTopicNames } from '@helmdesk/contracts';
import { createKafkajsPort, createLogger } from '@helmdesk/platform';

export const platformServices = ['auth', 'case', 'agent', 'notification', 'gateway'] as const;
export type PlatformService = (typeof platformServices)[number];

export interface LaunchOptions {
  databaseUrl: string;
  kafkaBrokers: string[];
  smtpUrl: string;
  topicPrefix?: string;
  adminEmail: string;
  adminPassword: string;
  /** Gateway port (0 = any free port); the services get free ports. */
  gatewayPort?: number;
  /** Extra environment for every process, or per service. */
  env?: Record<string, string>;
  serviceEnv?: Partial<Record<PlatformService, Record<string, string>>>;
  /** Each output line of each process (the local supervisor prefixes and prints them). */
  onLine?: (service: PlatformService, line: string) => void;
  /** Or write each process's output to `<logDir>/<service>.log`. */
  logDir?: string;
  readyTimeoutMs?: number;
}

export interface RunningPlatform {
  url: string;
  ports: Record<PlatformService, number>;
  pid(service: PlatformService): number | undefined;
  /** Sends a signal to one process (SIGKILL for crash tests) and waits for it to exit. */
  kill(service: PlatformService, signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts a stopped service again with the same configuration (plus `env`, e.g. to drop a fault). */
  start(service: PlatformService, env?: Record<string, string>): void;
  /** Resolves when the service's own /readyz (or the gateway's) answers 200. */
  waitServiceReady(service: PlatformService, timeoutMs?: number): Promise<void>;
  waitReady(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const repoRoot = resolve(__dirname, '../../..');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const server = createServer();
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => res(port));
    });
  });
}

/** Creates every topic (and DLQ) under the prefix, as the chart's Job does. */
export async function createPlatformTopics(brokers: string[], prefix = ''): Promise<void> {
  const kafka = createKafkajsPort({ brokers, clientId: 'helmdesk-launcher', topicPrefix: prefix, logger: createLogger('launcher', 'silent') });
  await kafka.createTopics(allTopicNames().map((topic) => ({ topic, partitions: 3, replicationFactor: 1 })));
}

/**
 * Runs the whole platform as real processes from the built `dist/` folders: the four services and
 * the gateway, each with its own port, on one database (each in its own schema) and one broker.
 * Used by `npm start`, the end-to-end tests and the fault tests.
 */
export async function launchPlatform(options: LaunchOptions): Promise<RunningPlatform> {
  const ports = {
    auth: await freePort(),
    case: await freePort(),
    agent: await freePort(),
    notification: await freePort(),
    gateway: options.gatewayPort === undefined || options.gatewayPort === 0 ? await freePort() : options.gatewayPort,
  } satisfies Record<PlatformService, number>;
  const prefix = options.topicPrefix ?? '';
  await createPlatformTopics(options.kafkaBrokers, prefix);
  const jwksUrl = `http://127.0.0.1:${ports.auth}/.well-known/jwks.json`;
  const common: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    NODE_ENV: process.env.NODE_ENV === 'test' ? 'test' : 'development',
    DATABASE_URL: options.databaseUrl,
    KAFKA_BROKERS: options.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    JWKS_URL: jwksUrl,
    LOG_LEVEL: 'info',
    SHUTDOWN_DRAIN_MS: '5000',
    ...options.env,
  };
  const perService: Record<PlatformService, Record<string, string>> = {
    auth: {
      PORT: String(ports.auth),
      HELMDESK_ADMIN_EMAIL: options.adminEmail,
      HELMDESK_ADMIN_PASSWORD: options.adminPassword,
      HELMDESK_DEV_KEYS_DIR: resolve(repoRoot, '.helmdesk/keys'),
      TRUST_PROXY: 'true',
    },
    case: { PORT: String(ports.case) },
    agent: { PORT: String(ports.agent) },
    notification: { PORT: String(ports.notification), SMTP_URL: options.smtpUrl },
    gateway: {
      HELMDESK_PORT: String(ports.gateway),
      HELMDESK_HOST: '127.0.0.1',
      AUTH_URL: `http://127.0.0.1:${ports.auth}`,
      CASE_URL: `http://127.0.0.1:${ports.case}`,
      AGENT_URL: `http://127.0.0.1:${ports.agent}`,
      NOTIFICATION_URL: `http://127.0.0.1:${ports.notification}`,
      CONSOLE_DIR: resolve(repoRoot, 'services/console/dist'),
    },
  };
  const children = new Map<PlatformService, ChildProcess>();
  const logs = new Map<PlatformService, WriteStream>();
  if (options.logDir) mkdirSync(options.logDir, { recursive: true });

  function start(service: PlatformService, env: Record<string, string> = {}): void {
    const child = spawn(process.execPath, [resolve(repoRoot, `services/${service}/dist/main.js`)], {
      cwd: repoRoot,
      env: { ...common, ...perService[service], ...options.serviceEnv?.[service], ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: a Ctrl-C in the terminal reaches the supervisor only, which then
      // stops the processes in order (gateway first) with one SIGTERM each.
      detached: true,
    });
    children.set(service, child);
    if (options.logDir && !logs.has(service)) {
      logs.set(service, createWriteStream(resolve(options.logDir, `${service}.log`), { flags: 'a' }));
    }
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        options.onLine?.(service, line);
        logs.get(service)?.write(`${line}\n`);
      });
    }
  }

  function exited(child: ChildProcess): Promise<number | null> {
    if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((res) => child.once('exit', (code) => res(code)));
  }

  const url = `http://127.0.0.1:${ports.gateway}`;
  const platform: RunningPlatform = {
    url,
    ports,
    pid: (service) => children.get(service)?.pid,
    async kill(service, signal = 'SIGTERM') {
      const child = children.get(service);
      if (!child) return null;
      child.kill(signal);
      return exited(child);
    },
    start,
    async waitServiceReady(service, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const ok = await fetch(`http://127.0.0.1:${ports[service]}/readyz`, { signal: AbortSignal.timeout(1_000) })
          .then((r) => r.status === 200)
          .catch(() => false);
        if (ok) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${service} was not ready within ${timeoutMs} ms`);
    },
    async waitReady(timeoutMs = options.readyTimeoutMs ?? 90_000) {
      const deadline = Date.now() + timeoutMs;
      let last = '';
      while (Date.now() < deadline) {
        for (const [service, child] of children) {
          if (child.exitCode !== null) throw new Error(`${service} exited with code ${child.exitCode} while starting`);
        }
        try {
          const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
          if (response.status === 200) return;
          last = await response.text();
        } catch (err) {
          last = (err as Error).message;
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error(`the platform was not ready within ${timeoutMs} ms: ${last}`);
    },
    async stop() {
      // The gateway first, so no new work arrives while the services drain.
      await platform.kill('gateway');
      await Promise.all((['auth', 'case', 'agent', 'notification'] as const).map((s) => platform.kill(s)));
      for (const log of logs.values()) log.end();
    },
  };

  // Auth first: it creates the signing key the others fetch through the JWKS.
  for (const service of platformServices) start(service);
  try {
    await platform.waitReady();
  } catch (err) {
    await platform.stop();
    throw err;
  }
  return platform;
}
