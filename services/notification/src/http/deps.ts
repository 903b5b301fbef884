import type { Kysely } from 'kysely';
import type { Clock } from '../domain/clock';
import type { DestinationPolicy } from '../delivery/destination';
import type { NotificationDb } from '../store/schema';

/** What the routes need from the service. */
export interface RouteDeps {
  db: Kysely<NotificationDb>;
  clock: Clock;
  supportInbox: string;
  /** The SSRF guard's setting, for checking webhook URLs at registration. */
  destinations: DestinationPolicy;
  /** Something was queued: deliver it now rather than at the next poll. */
  wakeDeliveries: () => void;
}
