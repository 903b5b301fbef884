import { createLogger, loadConfig } from '@helmdesk/platform';
import {
  createPrefixedTopics,
  createTestDatabase,
  deletePrefixedTopics,
  stackEnv,
  testAuth,
  uniqueTopicPrefix,
  type TestDatabase,
} from '@helmdesk/testkit';
import { caseConfigSchema, type CaseConfig } from '../../src/config';
import { createCaseService, type CaseService } from '../../src/service';

export interface CaseServiceFixture {
  svc: CaseService;
  auth: ReturnType<typeof testAuth>;
  config: CaseConfig;
  prefix: string;
  stop(): Promise<void>;
}

/**
 * The case service on a fresh database (and its own topic prefix), built exactly as main.ts
 * builds it, with tokens signed by the test key. `running: false` only migrates: HTTP through
 * supertest, no relay and no consumer (so no Kafka consumer group to join).
 */
export async function startCaseService({ running = true, partitions = 3 } = {}): Promise<CaseServiceFixture> {
  const db: TestDatabase = await createTestDatabase('case');
  const prefix = uniqueTopicPrefix('case');
  if (running) await createPrefixedTopics(prefix, partitions);
  const config = loadConfig(caseConfigSchema, {
    DATABASE_URL: db.url,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    KAFKA_TOPIC_PREFIX: prefix,
    JWKS_URL: 'http://127.0.0.1:9/unused-the-test-verifier-is-used',
    LOG_LEVEL: 'silent',
    SHUTDOWN_DRAIN_MS: '1000',
  });
  const auth = testAuth();
  const svc = createCaseService(config, { verifier: auth.verifier, logger: createLogger('case-test', 'silent') });
  if (running) await svc.start(0);
  else await svc.host.migrate();
  return {
    svc,
    auth,
    config,
    prefix,
    async stop() {
      await svc.stop();
      await db.drop();
      if (running) await deletePrefixedTopics(prefix);
    },
  };
}
