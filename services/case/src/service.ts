import type { Express } from 'express';
import { ServiceHost, type Logger, type TokenVerifier } from '@helmdesk/platform';
import type { CaseConfig } from './config';
import { caseEventHandlers } from './events/handlers';
import { caseServiceRoutes } from './http/routes';
import { caseMigrations } from './migrations';
import type { CaseDatabase } from './store/tables';

export interface CaseServiceOverrides {
  /** Replaces the JWKS verifier (tests sign their own tokens). */
  verifier?: TokenVerifier;
  logger?: Logger;
}

export interface CaseService {
  host: ServiceHost<CaseDatabase>;
  app: Express;
  /** Migrates, listens (default: PORT; 0 picks a free port), relays the outbox, consumes events. */
  start(port?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The case service: the case record, comments and history, in Postgres schema `cases`. */
export function createCaseService(config: CaseConfig, overrides: CaseServiceOverrides = {}): CaseService {
  const host = new ServiceHost<CaseDatabase>({
    service: 'case',
    schema: 'cases',
    env: config,
    migrations: caseMigrations,
    ...(overrides.logger ? { logger: overrides.logger } : {}),
    ...(overrides.verifier ? { verifier: overrides.verifier } : {}),
  });
  const app = host.createApp(caseServiceRoutes({ db: host.db, outbox: host.outbox }));
  return {
    host,
    app,
    start: (port = config.PORT) => host.start({ app, port, handlers: caseEventHandlers() }),
    stop: () => host.stop(),
  };
}
