import type { RouteDefinition } from '@helmdesk/platform';
import type { RouteDeps } from './deps';
import { notificationRoutes } from './notifications';
import { templateRoutes } from './templates';
import { webhookRoutes } from './webhooks';

/** Every route of the notification service (API.md, "Notification service"). */
export function routes(deps: RouteDeps): RouteDefinition[] {
  return [...notificationRoutes(deps), ...templateRoutes(deps), ...webhookRoutes(deps)];
}
