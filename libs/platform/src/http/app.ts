import express, { type Express, type Request, type Response } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import { compilePathPattern, pathSegments, type PathPattern } from '@helmdesk/contracts';
import { HttpError, MethodNotAllowed, NotFound, ServiceUnavailable } from '../errors';
import type { Logger } from '../logger';
import { isTransientDbError } from '../db/errors';
import type { HttpMetrics } from '../metrics';
import { jsonBodyReader, defaultBodyLimit } from './body';
import { authenticate, type TokenVerifier } from './authenticate';
import { invalidFrom, sendInternalError, sendProblem } from './problem';
import { requestIdFrom } from './request-id';
import { Reply, type AuthUser, type RouteDefinition } from './route';
import { withIdempotency, type IdempotencyStore } from './idempotency';
import { openApiDocument } from './openapi';

export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export interface HttpAppOptions {
  service: string;
  logger: Logger;
  routes: readonly RouteDefinition[];
  /** Verifies bearer tokens; required when any route is not public. */
  verifier?: TokenVerifier;
  readiness: () => Promise<ReadinessReport>;
  metrics: HttpMetrics;
  idempotency?: IdempotencyStore;
  bodyLimit?: string | number;
  /** Express `trust proxy` setting, for the client address behind the gateway. */
  trustProxy?: boolean | string | number;
  /** Extra handlers mounted before the API routes (the gateway's proxy, docs). */
  extend?: (app: Express) => void;
  /**
   * Serve `/metrics` and `/openapi.json` without authentication (default true: for in-cluster
   * scraping and the gateway's merge). The gateway turns them off and routes them itself.
   */
  internalEndpoints?: boolean;
  /** Handles requests no route owns, before the 404 (the gateway's console). */
  fallback?: express.RequestHandler;
}

/** A POST without a documented body accepts no body or `{}`; anything else is refused. */
const noBody = z.strictObject({}).optional();

interface CompiledRoute {
  def: RouteDefinition;
  pattern: PathPattern;
}

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    user?: AuthUser | null;
    routeTemplate?: string;
  }
}

function parsePart<S extends z.ZodType | undefined>(
  schema: S,
  value: unknown,
  location: 'body' | 'query' | 'params',
): unknown {
  if (!schema) return value;
  const result = schema.safeParse(value);
  if (!result.success) throw invalidFrom(result.error, location);
  return result.data;
}

export function errorToResponse(err: unknown, req: Request, res: Response, log: Logger): void {
  if (err instanceof HttpError) return sendProblem(res, err, req);
  if (isTransientDbError(err)) {
    log.warn({ err }, 'database unavailable');
    res.setHeader('retry-after', '1');
    return sendProblem(res, new ServiceUnavailable('The database is unavailable; try again shortly.'), req);
  }
  sendInternalError(res, err, log, req);
}

/**
 * The HTTP app every Helmdesk service runs: request ids, security headers, request logging and
 * metrics, platform endpoints, then the route table (404/405 decided before authentication),
 * authentication and role check, strict zod validation, and problem+json for every error.
 */
export function createHttpApp(options: HttpAppOptions): Express {
  const { logger, metrics } = options;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  if (options.trustProxy !== undefined) app.set('trust proxy', options.trustProxy);
  const readBody = jsonBodyReader(options.bodyLimit ?? defaultBodyLimit);

  const compiled: CompiledRoute[] = options.routes
    .map((def) => ({ def, pattern: compilePathPattern(def.path) }))
    .sort((a, b) => b.pattern.specificity - a.pattern.specificity);

  app.use((req, res, next) => {
    req.id = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', req.id);
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = req.routeTemplate ?? 'unmatched';
      metrics.observe(req.method, route, res.statusCode, seconds);
      logger.info(
        {
          reqId: req.id,
          userId: req.user?.id,
          method: req.method,
          path: req.path,
          route,
          status: res.statusCode,
          ms: Math.round(seconds * 1000 * 10) / 10,
        },
        'request',
      );
    });
    next();
  });
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // Plain-http installs (an ingress without TLS) must still load the console's assets.
          upgradeInsecureRequests: null,
          'style-src': ["'self'"],
          'connect-src': ["'self'"],
          'frame-ancestors': ["'none'"],
        },
      },
    }),
  );

  app.get('/healthz', (req, res) => {
    req.routeTemplate = '/healthz';
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (req, res) => {
    req.routeTemplate = '/readyz';
    const report = await options.readiness().catch(
      (err: unknown): ReadinessReport => ({
        ready: false,
        checks: { readiness: { ok: false, detail: String(err) } },
      }),
    );
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', ...report });
  });
  if (options.internalEndpoints !== false) {
    app.get('/metrics', async (req, res) => {
      req.routeTemplate = '/metrics';
      res.type(metrics.contentType).send(await metrics.render());
    });
    const openApi = openApiDocument(`helmdesk ${options.service}`, '1.0.0', options.routes);
    app.get('/openapi.json', (req, res) => {
      req.routeTemplate = '/openapi.json';
      res.json(openApi);
    });
  }

  options.extend?.(app);

  app.use(async (req, res, next) => {
    // Child loggers cost more than most handlers use them: made only when something is logged.
    let requestLog: Logger | undefined;
    const log = () => (requestLog ??= logger.child({ reqId: req.id }));
    try {
      const parts = pathSegments(req.path);
      const matches = compiled.filter((r) => r.pattern.matchSegments(parts) !== null);
      if (matches.length === 0) {
        if (options.fallback) return options.fallback(req, res, next);
        throw new NotFound(`No route matches ${req.path}.`);
      }
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const route = matches.find((r) => r.def.method === method);
      if (!route) {
        const allow = [...new Set(matches.map((r) => r.def.method))];
        throw new MethodNotAllowed(`${req.method} is not allowed on ${req.path}.`, allow);
      }
      req.routeTemplate = route.def.path;
      const user = await authenticate(req, route.def.access, options.verifier);
      req.user = user;
      await readBody(req, res);
      const { def } = route;
      const params = parsePart(def.params, route.pattern.matchSegments(parts), 'params');
      const query = parsePart(def.query, req.query, 'query');
      const bodySchema = def.body ?? (method === 'GET' || method === 'DELETE' ? undefined : noBody);
      const body = parsePart(bodySchema, req.body, 'body');
      let handlerLog: Logger | undefined;
      const run = () =>
        def.handler({
          body,
          query,
          params,
          user,
          req,
          res,
          get log() {
            return (handlerLog ??= log().child({ userId: user?.id }));
          },
        } as never);
      const result =
        def.idempotent && options.idempotency
          ? await withIdempotency(options.idempotency, req, user, run, def.status ?? 200)
          : await run();
      if (res.headersSent) return;
      const reply =
        result instanceof Reply
          ? result
          : new Reply(result === undefined ? 204 : (def.status ?? 200), result);
      for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
      if (reply.body === undefined) res.status(reply.status).end();
      else res.status(reply.status).json(reply.body);
    } catch (err) {
      errorToResponse(err, req, res, log());
    }
  });

  // Errors thrown by express itself or by `extend` handlers.
  app.use((err: unknown, req: Request, res: Response, _next: express.NextFunction) => {
    errorToResponse(err, req, res, logger.child({ reqId: req.id }));
  });
  return app;
}
