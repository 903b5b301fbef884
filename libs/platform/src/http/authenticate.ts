import type { Request } from 'express';
import type { RouteAccess } from '@helmdesk/contracts';
import { Forbidden, Unauthorized } from '../errors';
import type { AuthUser } from './route';

export interface TokenVerifier {
  /** Resolves the caller of a valid access token; rejects with `Unauthorized` otherwise. */
  verify(token: string): Promise<AuthUser>;
}

export function bearerToken(req: Request): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9._~+/=-]+)$/i.exec(header.trim());
  return match ? match[1]! : '';
}

/**
 * Applies a route's access rule: public routes need nothing (a token, if any, is ignored);
 * other routes need a valid token (401) whose role is listed (403).
 */
export async function authenticate(
  req: Request,
  access: RouteAccess,
  verifier: TokenVerifier | undefined,
): Promise<AuthUser | null> {
  if (access === 'public') return null;
  const token = bearerToken(req);
  if (token === null) throw new Unauthorized('This route needs a bearer access token.');
  if (token === '') throw new Unauthorized('The Authorization header is not a bearer token.');
  if (!verifier) throw new Error('route needs authentication but the app has no token verifier');
  const user = await verifier.verify(token);
  if (!access.includes(user.role)) {
    throw new Forbidden(`This route is not available to the ${user.role} role.`);
  }
  return user;
}
