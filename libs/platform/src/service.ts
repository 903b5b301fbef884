import type { Express } from 'express';
import type { Kysely } from 'kysely';
import { eventSources, type ServiceName } from '@helmdesk/contracts';
import { createDatabase, pingDatabase, type Database } from './db/database';
import { createIdempotencyStore, pruneIdempotencyKeys } from './db/idempotency-store';
import { migrateToLatest, migrationsApplied, type Migrations } from './db/migrate';
import type { PlatformTables } from './db/platform-migrations';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import type { EventHandlers } from './events/consumer';
import { ConsumerWorker } from './events/consumer-worker';
import { createHttpApp, type HttpAppOptions, type ReadinessReport } from './http/app';
import type { TokenVerifier } from './http/authenticate';
import type { IdempotencyStore } from './http/idempotency';
import type { RouteDefinition } from './http/route';
import { startHttpServer, type RunningServer } from './http/server';
import { createJwksVerifier } from './jwt/verifier';
import { createKafkajsPort } from './kafka/kafkajs-adapter';
import type { KafkaPort } from './kafka/port';
import { createLogger, type Logger } from './logger';
import { createMetrics, gauge, type HttpMetrics } from './metrics';
import { Outbox } from './outbox/outbox';
import { OutboxRelay, outboxBacklog, pruneOutbox, pruneProcessedEvents } from './outbox/relay';
import { backoffMs, sleep } from './sleep';

/** What every data-owning service's environment provides (see config.ts pieces). */
export interface ServiceEnv {
  LOG_LEVEL: Parameters<typeof createLogger>[1];
  SHUTDOWN_DRAIN_MS: number;
  HELMDESK_FAULT_INJECTION?: 'relay-exit-after-send' | 'consumer-exit-after-commit' | undefined;
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
  DATABASE_PREPARED_STATEMENTS?: boolean;
  KAFKA_BROKERS: string[];
  KAFKA_TOPIC_PREFIX: string;
  JWKS_URL?: string;
  JWT_ISSUER?: string;
  JWT_AUDIENCE?: string;
}

/** A background job started with the service and stopped before the database closes. */
export interface Worker {
  start(): void;
  stop(): Promise<void>;
}

export interface ServiceHostOptions {
  service: ServiceName;
  /** The service's Postgres schema. */
  schema: string;
  env: ServiceEnv;
  migrations: Migrations;
  logger?: Logger;
  /** Replaces the JWKS verifier (the auth service verifies with its own keys). */
  verifier?: TokenVerifier;
}

/**
 * The dependencies of a service and their lifecycle: database (own schema, migrations), Kafka,
 * outbox + relay, consumers, HTTP. `createXxxService` factories build on it; tests use the same.
 */
export class ServiceHost<DB> {
  readonly logger: Logger;
  readonly database: Database<DB>;
  readonly kafka: KafkaPort;
  readonly outbox: Outbox;
  readonly metrics: HttpMetrics;
  readonly verifier: TokenVerifier | undefined;
  readonly idempotency: IdempotencyStore;
  readonly relay: OutboxRelay;
  private workers: Worker[] = [];
  private server: RunningServer | null = null;
  private migrated = false;
  private draining = false;
  private housekeeping: NodeJS.Timeout | null = null;

  constructor(readonly options: ServiceHostOptions) {
    const { env, service, schema } = options;
    this.logger = options.logger ?? createLogger(service, env.LOG_LEVEL);
    this.database = createDatabase<DB>({
      url: env.DATABASE_URL,
      schema,
      poolMax: env.DATABASE_POOL_MAX,
      preparedStatements: env.DATABASE_PREPARED_STATEMENTS ?? true,
      applicationName: `helmdesk-${service}`,
      logger: this.logger,
    });
    this.kafka = createKafkajsPort({
      brokers: env.KAFKA_BROKERS,
      clientId: `helmdesk-${service}`,
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
      logger: this.logger,
    });
    this.outbox = new Outbox(eventSources[service]);
    this.metrics = createMetrics(service);
    this.verifier =
      options.verifier ??
      (env.JWKS_URL
        ? createJwksVerifier({
            jwksUrl: env.JWKS_URL,
            issuer: env.JWT_ISSUER ?? 'helmdesk',
            audience: env.JWT_AUDIENCE ?? 'helmdesk-api',
          })
        : undefined);
    this.idempotency = createIdempotencyStore(this.db as unknown as Kysely<PlatformTables>);
    this.relay = new OutboxRelay({
      database: this.database as Database<unknown>,
      kafka: this.kafka,
      logger: this.logger,
      ...(env.HELMDESK_FAULT_INJECTION === 'relay-exit-after-send' ? { afterSend: () => this.crash('relay-exit-after-send') } : {}),
    });
    gauge(this.metrics.registry, 'outbox_backlog', 'Outbox events not yet published', () =>
      outboxBacklog(this.database as Database<unknown>),
    );
    gauge(this.metrics.registry, 'outbox_relay_active', '1 when this replica publishes the outbox', () =>
      this.relay.isActive ? 1 : 0,
    );
  }

  /** Fault injection (HELMDESK_FAULT_INJECTION): die at once, as a killed pod would. */
  private crash(point: string): void {
    this.logger.warn({ point }, 'fault injection: killing this process');
    process.kill(process.pid, 'SIGKILL');
  }

  /**
   * The service's consumers as a worker, in the group `<KAFKA_TOPIC_PREFIX>helmdesk.<service>`
   * (a topic prefix isolates a deployment's or a test's topics; its group follows it).
   */
  consumerWorker(handlers: EventHandlers<DB>, options: { afterCommit?: (event: HelmdeskEvent) => void } = {}): ConsumerWorker<DB> {
    const crash = this.options.env.HELMDESK_FAULT_INJECTION === 'consumer-exit-after-commit';
    return new ConsumerWorker<DB>({
      service: this.options.service,
      groupId: `${this.options.env.KAFKA_TOPIC_PREFIX}helmdesk.${this.options.service}`,
      database: this.database,
      kafka: this.kafka,
      handlers,
      logger: this.logger,
      afterCommit: (event) => {
        options.afterCommit?.(event);
        if (crash) this.crash('consumer-exit-after-commit');
      },
    });
  }

  get db(): Kysely<DB> {
    return this.database.db;
  }

  get url(): string {
    if (!this.server) throw new Error('not started');
    return this.server.url;
  }

  /** Postgres reachable and every migration applied. Kafka is not a readiness condition. */
  async readiness(): Promise<ReadinessReport> {
    if (this.draining) return { ready: false, checks: { shutdown: { ok: false, detail: 'draining' } } };
    try {
      await pingDatabase(this.db as Kysely<unknown>);
    } catch (err) {
      return { ready: false, checks: { database: { ok: false, detail: (err as Error).message } } };
    }
    this.migrated ||= await migrationsApplied(this.database as Database<unknown>, this.options.migrations);
    return {
      ready: this.migrated,
      checks: { database: { ok: true }, migrations: { ok: this.migrated } },
    };
  }

  /** The platform HTTP app with this service's routes, verifier, metrics and readiness. */
  createApp(routes: readonly RouteDefinition[], extra: Partial<HttpAppOptions> = {}): Express {
    return createHttpApp({
      service: this.options.service,
      logger: this.logger,
      routes,
      verifier: this.verifier,
      readiness: () => this.readiness(),
      metrics: this.metrics,
      idempotency: this.idempotency,
      trustProxy: 'loopback, linklocal, uniquelocal',
      ...extra,
    });
  }

  /** Applies migrations, retrying while the database is not reachable yet (bounded). */
  async migrate(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await migrateToLatest(this.database as Database<unknown>, this.options.migrations, this.logger);
        this.migrated = true;
        return;
      } catch (err) {
        if (Date.now() > deadline) throw err;
        this.logger.warn({ err: (err as Error).message, attempt }, 'migrations failed; retrying');
        await sleep(backoffMs(attempt, 500, 5_000));
      }
    }
  }

  /**
   * Starts everything: migrations, HTTP, relay, consumers (retried in the background while Kafka
   * is away — the API serves meanwhile and the outbox keeps the events), workers.
   */
  async start(options: {
    app: Express;
    port: number;
    host?: string;
    handlers?: EventHandlers<DB>;
    workers?: Worker[];
    migrate?: boolean;
  }): Promise<void> {
    if (options.migrate !== false) await this.migrate();
    this.server = await startHttpServer(options.app, options.port, options.host);
    this.relay.start();
    this.workers = [
      ...(options.handlers && Object.keys(options.handlers).length > 0 ? [this.consumerWorker(options.handlers)] : []),
      ...(options.workers ?? []),
    ];
    for (const w of this.workers) w.start();
    this.housekeeping = setInterval(() => void this.houseKeep(), 10 * 60_000);
    this.housekeeping.unref();
    this.logger.info({ url: this.server.url }, `${this.options.service} service listening`);
  }

  private async houseKeep(): Promise<void> {
    try {
      await pruneOutbox(this.database as Database<unknown>);
      await pruneProcessedEvents(this.database as Database<unknown>);
      await pruneIdempotencyKeys(this.db as unknown as Kysely<PlatformTables>);
    } catch (err) {
      this.logger.warn({ err }, 'housekeeping failed');
    }
  }

  /** Graceful stop: drain HTTP, leave the group and stop workers, flush the relay, close pools. */
  async stop(): Promise<void> {
    this.draining = true;
    if (this.housekeeping) clearInterval(this.housekeeping);
    await this.server?.close(this.options.env.SHUTDOWN_DRAIN_MS);
    // Consumers first (they are workers too): they leave the group before the database closes.
    await Promise.all(this.workers.map((w) => w.stop()));
    await this.relay.stop();
    await this.kafka.close();
    await this.database.close();
  }
}
