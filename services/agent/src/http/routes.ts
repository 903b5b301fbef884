import type { RouteDefinition } from '@helmdesk/platform';
import { agentRoutes } from './agent-routes';
import { assignmentRoutes } from './assignment-routes';
import type { HttpDeps } from './deps';
import { queueRoutes } from './queue-routes';

/** Every route of the agent service (API.md, "Agent service"). */
export function agentServiceRoutes(deps: HttpDeps): RouteDefinition[] {
  return [...agentRoutes(deps), ...queueRoutes(deps), ...assignmentRoutes(deps)];
}
