import type { ServiceName } from '@helmdesk/contracts';
import type { ReadinessReport } from '@helmdesk/platform';
import { createUpstream, type Upstream } from './proxy';

export type Upstreams = Record<ServiceName, Upstream>;

export function createUpstreams(urls: Record<ServiceName, string>): Upstreams {
  return {
    auth: createUpstream('auth', urls.auth),
    case: createUpstream('case', urls.case),
    agent: createUpstream('agent', urls.agent),
    notification: createUpstream('notification', urls.notification),
  };
}

async function getJson(upstream: Upstream, path: string, timeoutMs: number): Promise<{ status: number; body: unknown }> {
  const response = await fetch(new URL(path, upstream.url), { signal: AbortSignal.timeout(timeoutMs) });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** Ready only when every service answers its own /readyz with 200. */
export async function allReady(upstreams: Upstreams, timeoutMs = 2_000): Promise<ReadinessReport> {
  const entries = await Promise.all(
    Object.values(upstreams).map(async (u) => {
      try {
        const { status } = await getJson(u, '/readyz', timeoutMs);
        return [u.name, status === 200 ? { ok: true } : { ok: false, detail: `readyz answered ${status}` }] as const;
      } catch (err) {
        return [u.name, { ok: false, detail: (err as Error).message }] as const;
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ready: entries.every(([, c]) => c.ok), checks };
}

type OpenApi = { paths?: Record<string, unknown>; components?: { schemas?: Record<string, unknown> } };

/** The public OpenAPI 3.1 document: every service's own document, merged. */
export async function mergedOpenApi(upstreams: Upstreams, gatewayPaths: Record<string, unknown>): Promise<unknown> {
  const docs = await Promise.all(
    Object.values(upstreams).map(async (u) => {
      try {
        const { status, body } = await getJson(u, '/openapi.json', 3_000);
        return status === 200 ? (body as OpenApi) : null;
      } catch {
        return null;
      }
    }),
  );
  const paths: Record<string, unknown> = { ...gatewayPaths };
  const schemas: Record<string, unknown> = {};
  for (const doc of docs) {
    Object.assign(paths, doc?.paths ?? {});
    Object.assign(schemas, doc?.components?.schemas ?? {});
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Helmdesk API',
      version: '1.0.0',
      description: 'The public API of Helmdesk, served through the gateway. Errors are RFC 9457 problem+json.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
    security: [{ bearer: [] }],
    ...(docs.some((d) => d === null) ? { 'x-incomplete': 'some services did not answer' } : {}),
  };
}
