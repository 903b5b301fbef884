import type { Transaction } from 'kysely';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import type { EventHandlers } from '@helmdesk/platform';
import { caseOpened, statusChanged } from '../store/cases';
import type { NotificationDb } from '../store/schema';
import { upsertUser } from '../store/users';
import { applyCaseEvent, caseMails } from './enqueue-mails';
import { fanOutToWebhooks } from './fan-out-webhooks';

type Trx = Transaction<NotificationDb>;

/**
 * One handler per topic, each run in the consumer's transaction (the event id is recorded as
 * processed in it): projections, the mails the event causes, and the webhook deliveries.
 * Every topic is consumed, since webhooks may subscribe to any.
 */
export function notificationHandlers(): EventHandlers<NotificationDb> {
  const user = async (event: HelmdeskEvent<'user.created'> | HelmdeskEvent<'user.updated'>, trx: Trx) => {
    const { userId, email, name, role, disabled } = event.data;
    await upsertUser(trx, { id: userId, email, name, role, disabled }, new Date(event.time));
    await fanOutToWebhooks(trx, event);
  };
  return {
    'user.created': user,
    'user.updated': user,

    'case.created': async (event, trx) => {
      const d = event.data;
      const createdAt = new Date(d.createdAt);
      await applyCaseEvent(
        trx,
        caseOpened(trx, { ...d, createdAt }, { eventId: event.id, kind: 'opened' }),
        caseMails(event, { caseId: d.caseId }, d.customerId),
      );
      await fanOutToWebhooks(trx, event);
    },

    'case.assigned': async (event, trx) => {
      const d = event.data;
      const at = new Date(d.assignedAt);
      await applyCaseEvent(
        trx,
        statusChanged(trx, { caseId: d.caseId, status: 'assigned', at, assigneeId: d.agentId, assignedAt: at }, { eventId: event.id, kind: 'assigned' }),
        caseMails(event, { caseId: d.caseId, agentId: d.agentId, assignedAt: d.assignedAt }, null),
      );
      await fanOutToWebhooks(trx, event);
    },

    'case.requeued': async (event, trx) => {
      const d = event.data;
      const at = new Date(d.requeuedAt);
      await applyCaseEvent(
        trx,
        statusChanged(trx, { caseId: d.caseId, status: 'open', at, assigneeId: null, queuedAt: new Date(d.queuedAt) }, { eventId: event.id, kind: 'requeued' }),
        null,
      );
      await fanOutToWebhooks(trx, event);
    },

    'case.resolved': async (event, trx) => {
      const d = event.data;
      const at = new Date(d.resolvedAt);
      await applyCaseEvent(
        trx,
        statusChanged(
          trx,
          { caseId: d.caseId, status: 'resolved', at, assigneeId: d.agentId, resolvedAt: at, resolution: d.resolution },
          { eventId: event.id, kind: 'resolved' },
        ),
        caseMails(event, { caseId: d.caseId, agentId: d.agentId, resolvedAt: d.resolvedAt, resolution: d.resolution }, null),
      );
      await fanOutToWebhooks(trx, event);
    },

    'agent.freed': (event, trx) => fanOutToWebhooks(trx, event),
    'agent.removed': (event, trx) => fanOutToWebhooks(trx, event),
  };
}
