import type { Role } from './roles';
import type { ServiceName } from './services';

export const httpMethods = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof httpMethods)[number];

/** Who may call a route: anyone, or signed-in callers whose role is listed. */
export type RouteAccess = 'public' | readonly Role[];

export interface RoutePolicy {
  method: HttpMethod;
  /** Express-style pattern: `/api/v1/cases/:id`. */
  path: string;
  target: ServiceName | 'gateway';
  access: RouteAccess;
}

const anyone = 'public';
const signedIn: readonly Role[] = ['customer', 'agent', 'admin'];
const admin: readonly Role[] = ['admin'];
const agent: readonly Role[] = ['agent'];
const staff: readonly Role[] = ['agent', 'admin'];

/**
 * The gateway's route policy: every route of API.md. The gateway forwards nothing else;
 * each service checks the token again and enforces resource-level rules itself.
 */
export const routePolicies: readonly RoutePolicy[] = [
  // auth
  { method: 'POST', path: '/api/v1/auth/register', target: 'auth', access: anyone },
  { method: 'POST', path: '/api/v1/auth/login', target: 'auth', access: anyone },
  { method: 'POST', path: '/api/v1/auth/refresh', target: 'auth', access: anyone },
  { method: 'POST', path: '/api/v1/auth/logout', target: 'auth', access: signedIn },
  { method: 'GET', path: '/api/v1/auth/me', target: 'auth', access: signedIn },
  { method: 'GET', path: '/.well-known/jwks.json', target: 'auth', access: anyone },
  { method: 'POST', path: '/api/v1/users', target: 'auth', access: admin },
  { method: 'GET', path: '/api/v1/users', target: 'auth', access: admin },
  { method: 'GET', path: '/api/v1/users/:id', target: 'auth', access: admin },
  { method: 'PATCH', path: '/api/v1/users/:id', target: 'auth', access: admin },
  // case
  { method: 'POST', path: '/api/v1/cases', target: 'case', access: ['customer'] },
  { method: 'GET', path: '/api/v1/cases', target: 'case', access: signedIn },
  { method: 'GET', path: '/api/v1/cases/:id', target: 'case', access: signedIn },
  { method: 'POST', path: '/api/v1/cases/:id/comments', target: 'case', access: signedIn },
  { method: 'GET', path: '/api/v1/cases/:id/comments', target: 'case', access: signedIn },
  { method: 'GET', path: '/api/v1/cases/:id/history', target: 'case', access: signedIn },
  // agent
  { method: 'GET', path: '/api/v1/agents', target: 'agent', access: admin },
  { method: 'GET', path: '/api/v1/agents/me', target: 'agent', access: agent },
  { method: 'PATCH', path: '/api/v1/agents/me', target: 'agent', access: agent },
  { method: 'GET', path: '/api/v1/agents/:id', target: 'agent', access: admin },
  { method: 'PATCH', path: '/api/v1/agents/:id', target: 'agent', access: admin },
  { method: 'DELETE', path: '/api/v1/agents/:id', target: 'agent', access: admin },
  { method: 'GET', path: '/api/v1/queue', target: 'agent', access: staff },
  { method: 'POST', path: '/api/v1/queue/claim', target: 'agent', access: agent },
  { method: 'POST', path: '/api/v1/queue/:caseId/claim', target: 'agent', access: agent },
  { method: 'GET', path: '/api/v1/assignments', target: 'agent', access: staff },
  { method: 'POST', path: '/api/v1/assignments/:caseId/resolve', target: 'agent', access: agent },
  // notification
  { method: 'GET', path: '/api/v1/notifications', target: 'notification', access: admin },
  { method: 'POST', path: '/api/v1/notifications/digest', target: 'notification', access: admin },
  { method: 'GET', path: '/api/v1/notification-templates', target: 'notification', access: admin },
  { method: 'PUT', path: '/api/v1/notification-templates/:key', target: 'notification', access: admin },
  { method: 'POST', path: '/api/v1/webhooks', target: 'notification', access: admin },
  { method: 'GET', path: '/api/v1/webhooks', target: 'notification', access: admin },
  { method: 'DELETE', path: '/api/v1/webhooks/:id', target: 'notification', access: admin },
  { method: 'GET', path: '/api/v1/webhooks/:id/deliveries', target: 'notification', access: admin },
  // the gateway itself
  { method: 'GET', path: '/healthz', target: 'gateway', access: anyone },
  { method: 'GET', path: '/readyz', target: 'gateway', access: anyone },
  { method: 'GET', path: '/metrics', target: 'gateway', access: admin },
  { method: 'GET', path: '/api/docs', target: 'gateway', access: anyone },
  { method: 'GET', path: '/api/docs/openapi.json', target: 'gateway', access: anyone },
];

/** Path prefixes owned by the API (API.md): requests under them never get the console's HTML. */
export const apiPrefixes = ['/api/', '/.well-known/', '/healthz', '/readyz', '/metrics'] as const;
