import type { RouteDefinition } from '@helmdesk/platform';
import { authRoutes } from './auth-routes';
import type { AuthRouteDeps } from './deps';
import { userRoutes } from './user-routes';

export type { AuthRouteDeps } from './deps';

/** Every route of the auth service (API.md "Auth service"). */
export function authServiceRoutes(deps: AuthRouteDeps): RouteDefinition[] {
  return [...authRoutes(deps), ...userRoutes(deps)];
}
