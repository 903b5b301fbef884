import type { Express } from 'express';
import { gauge, ServiceHost, type Logger, type TokenVerifier } from '@helmdesk/platform';
import type { AgentConfig } from './config';
import { agentEventHandlers } from './events/handlers';
import { agentServiceRoutes } from './http/routes';
import { agentMigrations } from './migrations';
import { countWaiting } from './store/cases';
import type { AgentDatabase } from './store/schema';

export interface AgentServiceOverrides {
  verifier?: TokenVerifier;
  logger?: Logger;
}

export interface AgentService {
  host: ServiceHost<AgentDatabase>;
  app: Express;
  /** Migrates, listens (default: PORT on all interfaces), publishes the outbox and consumes. */
  start(port?: number, hostname?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The agent service: agents, availability, capacity, the queue and assignment (schema `agents`).
 * Tests build exactly this, with real Postgres and Kafka.
 */
export function createAgentService(config: AgentConfig, overrides: AgentServiceOverrides = {}): AgentService {
  const host = new ServiceHost<AgentDatabase>({
    service: 'agent',
    schema: 'agents',
    env: config,
    migrations: agentMigrations,
    logger: overrides.logger,
    verifier: overrides.verifier,
  });
  gauge(host.metrics.registry, 'agent_queue_waiting_cases', 'Cases waiting in the queue', () => countWaiting(host.db));
  const app = host.createApp(agentServiceRoutes({ db: host.db, outbox: host.outbox }));
  const consumers = host.consumerWorker(agentEventHandlers(host.outbox));
  return {
    host,
    app,
    start: (port = config.PORT, hostname?: string) => host.start({ app, port, host: hostname, workers: [consumers] }),
    stop: () => host.stop(),
  };
}
