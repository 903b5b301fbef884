import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import {
  createDatabase,
  createKafkajsPort,
  createLogger,
  migrateToLatest,
  type Database,
  type EventToWrite,
  type KafkaPort,
  type Logger,
  type Migrations,
  type PlatformTables,
} from '@helmdesk/platform';
import { createPrefixedTopics, createTestDatabase, deletePrefixedTopics, stackEnv, uniqueTopicPrefix, type TestDatabase } from '@helmdesk/testkit';

/**
 * What the platform's integration and fault tests share: a fresh database migrated to the
 * platform's tables (schema `svc`) and the test's own `migrations`, a topic prefix of its own with
 * the platform's topics under it (`partitions` each, 3 unless said), a silent logger, and Kafka
 * ports on that prefix. setUp() in beforeAll; tearDown() last in afterAll, once whatever uses the
 * database and the topics has stopped.
 */
export class PlatformFixture<T extends PlatformTables = PlatformTables> {
  readonly logger: Logger;
  readonly prefix: string;
  private testDb: TestDatabase | undefined;
  private db: Database<T> | undefined;

  constructor(
    private readonly label: string,
    private readonly options: { migrations?: Migrations; partitions?: number } = {},
  ) {
    this.logger = createLogger(`${label}-test`, 'silent');
    this.prefix = uniqueTopicPrefix(label);
  }

  get database(): Database<T> {
    if (!this.db) throw new Error(`the ${this.label} fixture is not set up`);
    return this.db;
  }

  async setUp(): Promise<void> {
    this.testDb = await createTestDatabase(this.label);
    this.db = createDatabase<T>({ url: this.testDb.url, schema: 'svc', logger: this.logger });
    await migrateToLatest(this.db as Database<unknown>, this.options.migrations ?? {});
    await createPrefixedTopics(this.prefix, this.options.partitions);
  }

  /** A new Kafka port on the fixture's topic prefix (client id `<label>-test`). */
  kafka(): KafkaPort {
    return createKafkajsPort({ brokers: stackEnv.kafkaBrokers, clientId: `${this.label}-test`, topicPrefix: this.prefix, logger: this.logger });
  }

  async tearDown(): Promise<void> {
    await this.db?.close();
    await this.testDb?.drop();
    await deletePrefixedTopics(this.prefix);
  }
}

/** Tables of the consumer tests: the events their handler applied. */
export interface AppliedTables extends PlatformTables {
  applied: { event_id: string; name: string };
}

/** The migration that creates `applied` (see AppliedTables). */
export const appliedMigrations: Migrations = {
  '20261123T1000-applied': {
    async up(db: Kysely<unknown>) {
      await sql`create table applied (event_id text primary key, name text not null)`.execute(db);
    },
  },
};

/** A user.created event to write or send, for a user called `name` (a fresh id unless given). */
export function userCreated(
  name: string,
  { userId = randomUUID(), role = 'customer' }: { userId?: string; role?: 'customer' | 'agent' } = {},
): EventToWrite<'user.created'> {
  return {
    type: 'user.created',
    subject: userId,
    data: { userId, email: `${name}@example.com`, name, role, disabled: false, createdAt: new Date().toISOString() },
  };
}
