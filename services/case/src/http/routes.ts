import type { RouteDefinition } from '@helmdesk/platform';
import { caseRoutes } from './cases';
import { commentRoutes } from './comments';
import type { CaseRouteDeps } from './deps';
import { historyRoutes } from './history';

export type { CaseRouteDeps } from './deps';

/** Every route of the case service (API.md "Case service"). */
export function caseServiceRoutes(deps: CaseRouteDeps): RouteDefinition[] {
  return [...caseRoutes(deps), ...commentRoutes(deps), ...historyRoutes(deps)];
}
