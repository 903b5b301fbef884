import type { Migrations } from '@helmdesk/platform';
import { projections } from './20261123T1500-notification-projections';
import { deliveries } from './20261123T1501-notification-deliveries';
import { templates } from './20261123T1502-notification-templates';
import { claimOnlyWhileQueued } from './20261123T2300-delivery-claim-only-while-queued';
import { deliveryQueue } from './20261124T0600-delivery-queue';

/** The notification service's migrations, in order; append-only. */
export const notificationMigrations: Migrations = {
  '20261123T1500-notification-projections': projections,
  '20261123T1501-notification-deliveries': deliveries,
  '20261123T1502-notification-templates': templates,
  '20261123T2300-delivery-claim-only-while-queued': claimOnlyWhileQueued,
  '20261124T0600-delivery-queue': deliveryQueue,
};
