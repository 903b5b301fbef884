import type { Request } from 'express';
import { newTraceparent, type AuthUser, type PublicJwk } from '@helmdesk/platform';
import type { AuthDeps } from '../use-cases/deps';

/** What the auth routes need. */
export interface AuthRouteDeps extends AuthDeps {
  /** The published keys (public parts only). */
  jwks: () => PublicJwk[];
}

/** The caller of a route that is not public (the platform has authenticated it). */
export function callerOf(user: AuthUser | null): AuthUser {
  if (!user) throw new Error('route is not public: the caller must be authenticated');
  return user;
}

/** The trace context for events caused by this request. */
export function traceOf(req: Request): string {
  const header = req.headers.traceparent;
  return newTraceparent(Array.isArray(header) ? header[0] : header);
}

/** The client address (behind the gateway: from X-Forwarded-For, per TRUST_PROXY). */
export function clientAddress(req: Request): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
