import request from 'supertest';
import { createLogger, generateSigningKeyPem, loadConfig } from '@helmdesk/platform';
import {
  createPrefixedTopics,
  createTestDatabase,
  deletePrefixedTopics,
  stackEnv,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@helmdesk/testkit';
import { authConfigSchema, type AuthConfig } from '../../src/config';
import { createAuthService, type AuthService } from '../../src/service';

export interface AuthServiceFixture {
  svc: AuthService;
  config: AuthConfig;
  db: TestDatabase;
  prefix: string;
  /** The PEM private keys configured (the last one signs). */
  pems: string[];
  admin: { email: string; password: string };
  /** What the service printed (a generated first-admin password). */
  printed: string[];
  api(): ReturnType<typeof request>;
  stop(): Promise<void>;
}

export const adminCredentials = { email: 'root@helmdesk.test', password: 'admin-password-1' };

export interface FixtureOptions {
  /** Start everything (relay, consumer; needs Kafka) or only migrate and serve through supertest. */
  running?: boolean;
  partitions?: number;
  pems?: string[];
  env?: Record<string, string>;
  /** Create the first admin (from adminCredentials unless env says otherwise). */
  firstAdmin?: boolean;
}

/**
 * The auth service on a fresh database (and its own topic prefix), built exactly as main.ts
 * builds it, with bcrypt cost 4. `running: false` migrates and creates the first admin only:
 * HTTP through supertest, no relay and no consumer.
 */
export async function startAuthService(options: FixtureOptions = {}): Promise<AuthServiceFixture> {
  const { running = false, partitions = 1, firstAdmin = true } = options;
  const db = await createTestDatabase('auth');
  const prefix = uniqueTopicPrefix('auth');
  if (running) await createPrefixedTopics(prefix, partitions);
  const pems = options.pems ?? [generateSigningKeyPem()];
  const config = loadConfig(authConfigSchema, {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    JWT_SIGNING_KEYS: pems.join('\n'),
    BCRYPT_COST: '4',
    LOG_LEVEL: 'silent',
    SHUTDOWN_DRAIN_MS: '1000',
    HELMDESK_ADMIN_EMAIL: adminCredentials.email,
    HELMDESK_ADMIN_PASSWORD: adminCredentials.password,
    ...options.env,
  });
  const printed: string[] = [];
  const svc = createAuthService(config, { logger: createLogger('auth-test', 'silent'), print: (l) => printed.push(l) });
  if (running) {
    await svc.start(0, '127.0.0.1');
  } else {
    await svc.host.migrate();
    if (firstAdmin) await svc.ensureFirstAdmin();
  }
  return {
    svc,
    config,
    db,
    prefix,
    pems,
    admin: { email: config.HELMDESK_ADMIN_EMAIL, password: config.HELMDESK_ADMIN_PASSWORD ?? '' },
    printed,
    api: () => request(svc.app),
    async stop() {
      await svc.stop();
      await db.drop();
      if (running) await deletePrefixedTopics(prefix);
    },
  };
}

export const problemType = /^application\/problem\+json/;

export interface UserBody {
  id: string;
  email: string;
  name: string;
  role: string;
  disabled: boolean;
  createdAt: string;
}

export interface SessionBody {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  user: UserBody;
}

let counter = 0;
/** A fresh, valid sign-up body. */
export function newAccount(label = 'user'): { email: string; password: string; name: string } {
  counter++;
  const unique = `${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
  return { email: `${label}.${unique}@example.com`, password: `pw-${unique}-long-enough`, name: `${label} ${counter}` };
}

export async function register(fx: AuthServiceFixture, account = newAccount()): Promise<UserBody & { password: string }> {
  const res = await fx.api().post('/api/v1/auth/register').send(account);
  if (res.status !== 201) throw new Error(`register answered ${res.status}: ${JSON.stringify(res.body)}`);
  return { ...(res.body as UserBody), password: account.password };
}

export async function login(fx: AuthServiceFixture, email: string, password: string): Promise<SessionBody> {
  const res = await fx.api().post('/api/v1/auth/login').send({ email, password });
  if (res.status !== 200) throw new Error(`login answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body as SessionBody;
}

/** Signs in as the first admin; returns the bearer header value. */
export async function adminBearer(fx: AuthServiceFixture): Promise<string> {
  return `Bearer ${(await login(fx, fx.admin.email, fx.admin.password)).accessToken}`;
}

/** Signs up a user of `role` (through the admin API for agent/admin) and signs it in. */
export async function signedIn(
  fx: AuthServiceFixture,
  role: 'customer' | 'agent' | 'admin' = 'customer',
): Promise<{ user: UserBody; password: string; session: SessionBody; bearer: string }> {
  const account = newAccount(role);
  if (role === 'customer') {
    await register(fx, account);
  } else {
    const res = await fx.api().post('/api/v1/users').set('authorization', await adminBearer(fx)).send({ ...account, role });
    if (res.status !== 201) throw new Error(`create user answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  const session = await login(fx, account.email, account.password);
  return { user: session.user, password: account.password, session, bearer: `Bearer ${session.accessToken}` };
}
