import request from 'supertest';
import { createLogger, loadConfig } from '@helmdesk/platform';
import { createPrefixedTopics, createTestDatabase, deletePrefixedTopics, stackEnv, testAuth, uniqueTopicPrefix, type TestDatabase } from '@helmdesk/testkit';
import { notificationConfigSchema } from '../../src/config';
import { createNotificationService, type NotificationService, type NotificationServiceOverrides } from '../../src/service';
import { EventProducer } from './events';
import { MailSink } from './mail-sink';

export const auth = testAuth();
export const admin = auth.mint('admin');

/** The isolation of one test file: its own database and topic prefix. */
export interface TestEnvironment {
  db: TestDatabase;
  prefix: string;
  teardown(): Promise<void>;
}

export async function testEnvironment(label: string): Promise<TestEnvironment> {
  const db = await createTestDatabase(label);
  const prefix = uniqueTopicPrefix(label);
  await createPrefixedTopics(prefix, 2);
  return {
    db,
    prefix,
    async teardown() {
      await db.drop();
      await deletePrefixedTopics(prefix);
    },
  };
}

/**
 * Starts the notification service as main.ts does (config from environment variables), on a
 * loopback port, against the test's database, topics and SMTP sink. Fast retry settings.
 */
export async function startService(
  env: TestEnvironment,
  smtpUrl: string,
  vars: Record<string, string> = {},
  overrides: NotificationServiceOverrides = {},
): Promise<NotificationService> {
  const config = loadConfig(notificationConfigSchema, {
    LOG_LEVEL: 'silent',
    DATABASE_URL: env.db.url,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: env.prefix,
    JWKS_URL: 'http://127.0.0.1:9/unused',
    SMTP_URL: smtpUrl,
    SMTP_TIMEOUT_MS: '2000',
    WEBHOOK_TIMEOUT_MS: '2000',
    DELIVERY_POLL_MS: '100',
    DELIVERY_BACKOFF_MS: '100',
    DELIVERY_BACKOFF_MAX_MS: '400',
    HELMDESK_WEBHOOK_ALLOW_PRIVATE: 'true',
    HELMDESK_DIGEST_IN_PROCESS: 'false',
    SHUTDOWN_DRAIN_MS: '1000',
    ...vars,
  });
  const service = createNotificationService(config, {
    verifier: auth.verifier,
    logger: createLogger('notification-test', 'silent'),
    ...overrides,
  });
  await service.start(0, '127.0.0.1');
  return service;
}

/** Supertest against the service, signed in as an admin unless told otherwise. */
export function api(service: NotificationService, token = admin.header) {
  const app = service.app;
  return {
    get: (path: string) => request(app).get(path).set('authorization', token),
    post: (path: string) => request(app).post(path).set('authorization', token),
    put: (path: string) => request(app).put(path).set('authorization', token),
    delete: (path: string) => request(app).delete(path).set('authorization', token),
  };
}

/** What serviceFixture sets up: filled in before the file's tests run. */
export interface ServiceFixture {
  env: TestEnvironment;
  sink: MailSink;
  events: EventProducer;
  service: NotificationService;
}

/**
 * A test file's notification service with its own database, topics, SMTP sink and event
 * producer: set up before the file's tests, torn down after them. `vars` are extra environment
 * variables of the service.
 */
export function serviceFixture(label: string, vars: Record<string, string> = {}): ServiceFixture {
  const fx = {} as ServiceFixture;
  beforeAll(async () => {
    fx.env = await testEnvironment(label);
    fx.sink = await new MailSink().start();
    fx.events = await new EventProducer(fx.env.prefix).connect();
    fx.service = await startService(fx.env, fx.sink.url, vars);
  });
  afterAll(async () => {
    await fx.service?.stop();
    await fx.events?.disconnect();
    await fx.sink?.stop();
    await fx.env?.teardown();
  });
  return fx;
}
