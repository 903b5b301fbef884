import compression from 'compression';
import type { Express, NextFunction, Request, Response } from 'express';
import {
  authenticate,
  createHttpApp,
  createJwksVerifier,
  createLogger,
  createMetrics,
  MethodNotAllowed,
  NotFound,
  startHttpServer,
  type Logger,
  type RunningServer,
  type TokenVerifier,
} from '@helmdesk/platform';
import type { GatewayConfig } from './config';
import { consoleHandler } from './console';
import { docsPage } from './docs-page';
import { forward } from './proxy';
import { createRouteTable } from './routing';
import { allReady, createUpstreams, mergedOpenApi } from './upstreams';

/** Proxied API routes (`/api/v1/…`); the docs under `/api/docs` are the gateway's own. */
function apiPath(path: string): boolean {
  return path.startsWith('/api/v1/');
}

export interface GatewayOverrides {
  verifier?: TokenVerifier;
  logger?: Logger;
}

/**
 * The edge of Helmdesk: every request is matched against the route policy table (404/405 before
 * anything else), authenticated and role-checked as the table says, stripped of client-sent
 * identity headers and forwarded to its service — which checks the token again.
 */
export function createGateway(config: GatewayConfig, overrides: GatewayOverrides = {}) {
  const logger = overrides.logger ?? createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const upstreams = createUpstreams({
    auth: config.AUTH_URL,
    case: config.CASE_URL,
    agent: config.AGENT_URL,
    notification: config.NOTIFICATION_URL,
  });
  const verifier =
    overrides.verifier ??
    createJwksVerifier({
      jwksUrl: config.JWKS_URL ?? `${config.AUTH_URL}/.well-known/jwks.json`,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
    });
  const table = createRouteTable();
  const gatewayDocs = { '/healthz': {}, '/readyz': {} };

  const ownRoutes: Record<string, (req: Request, res: Response) => Promise<void>> = {
    '/metrics': async (_req, res) => {
      res.type(metrics.contentType).send(await metrics.render());
    },
    '/api/docs': async (_req, res) => {
      res.type('html').send(docsPage());
    },
    '/api/docs/openapi.json': async (_req, res) => {
      res.json(await mergedOpenApi(upstreams, gatewayDocs));
    },
  };

  async function route(req: Request, res: Response, next: NextFunction): Promise<void> {
    const resolved = table.resolve(req.method, req.path);
    if (resolved.kind === 'none') return next();
    if (resolved.kind === 'method-not-allowed') {
      throw new MethodNotAllowed(`${req.method} is not allowed on ${req.path}.`, resolved.allow);
    }
    const { policy } = resolved;
    req.routeTemplate = policy.path;
    req.user = await authenticate(req, policy.access, verifier);
    if (policy.target === 'gateway') {
      const own = ownRoutes[policy.path];
      if (!own) throw new NotFound(`No route matches ${req.path}.`);
      return own(req, res);
    }
    await forward(req, res, upstreams[policy.target], {
      timeoutMs: config.UPSTREAM_TIMEOUT_MS,
      bodyLimitBytes: config.BODY_LIMIT_BYTES,
    });
  }

  const app: Express = createHttpApp({
    service: 'gateway',
    logger,
    routes: [],
    verifier,
    readiness: () => allReady(upstreams),
    metrics,
    internalEndpoints: false,
    trustProxy: false,
    extend: (a) => {
      // The console's assets and the docs are compressed; API answers pass through as the
      // services sent them (small JSON; wrapping every proxied response cost ~4 % of the gateway's
      // CPU, and an ingress can compress if wanted: BENCHMARKS.md, What changed).
      const compress = compression();
      a.use((req, res, next) => (apiPath(req.path) ? next() : compress(req, res, next)));
      a.use(route);
    },
    fallback: consoleHandler(config.CONSOLE_DIR),
  });

  let server: RunningServer | null = null;
  return {
    app,
    logger,
    get url(): string {
      if (!server) throw new Error('not started');
      return server.url;
    },
    async start(port = config.HELMDESK_PORT, host = config.HELMDESK_HOST): Promise<void> {
      server = await startHttpServer(app, port, host);
      logger.info({ url: server.url }, 'gateway listening');
    },
    async stop(): Promise<void> {
      await server?.close(config.SHUTDOWN_DRAIN_MS);
      for (const u of Object.values(upstreams)) u.agent.destroy();
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;
