/** The services behind the gateway; `gateway` itself answers the routes it owns. */
export const serviceNames = ['auth', 'case', 'agent', 'notification'] as const;
export type ServiceName = (typeof serviceNames)[number];

/** CloudEvents `source` of each producing service. */
export const eventSources = {
  auth: '/helmdesk/auth',
  case: '/helmdesk/case',
  agent: '/helmdesk/agent',
  notification: '/helmdesk/notification',
} as const satisfies Record<ServiceName, string>;
