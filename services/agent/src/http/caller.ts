import type { AuthUser } from '@helmdesk/platform';

/** The caller of a route that is not public (the platform has authenticated it before the handler). */
export function caller(user: AuthUser | null): AuthUser {
  if (!user) throw new Error('authenticated route called without a user');
  return user;
}
