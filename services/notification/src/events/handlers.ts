import type { Transaction } from 'kysely';
import type { HelmdeskEvent } from '@helmdesk/contracts';
import { BeforeCommitBuffer, type EventHandlers } from '@helmdesk/platform';
import { caseOpened, statusChanged } from '../store/cases';
import type { NotificationDb } from '../store/schema';
import { upsertUser } from '../store/users';
import { applyCaseEvents, caseMails, type CaseEventWrites } from './enqueue-mails';
import { fanOutToWebhooks } from './fan-out-webhooks';

type Trx = Transaction<NotificationDb>;

/**
 * One handler per topic, each run in the consumer's transaction (the event id is recorded as
 * processed in it): projections, the mails the event causes, and the webhook deliveries.
 * Every topic is consumed, since webhooks may subscribe to any.
 *
 * A case event's projection and mails are collected and written for the whole batch just before
 * the transaction commits (`applyCaseEvents`: one statement for events of different cases); a
 * user event first writes what was collected, so events take effect in the order they came.
 */
export function notificationHandlers(): EventHandlers<NotificationDb> {
  const pending = new BeforeCommitBuffer<Trx, CaseEventWrites>(applyCaseEvents);

  const user = async (event: HelmdeskEvent<'user.created'> | HelmdeskEvent<'user.updated'>, trx: Trx) => {
    await pending.flush(trx);
    const { userId, email, name, role, disabled } = event.data;
    await upsertUser(trx, { id: userId, email, name, role, disabled }, new Date(event.time));
    await fanOutToWebhooks(trx, event);
  };
  return {
    'user.created': user,
    'user.updated': user,

    'case.created': async (event, trx, meta) => {
      const d = event.data;
      const createdAt = new Date(d.createdAt);
      pending.add(trx, meta, {
        caseId: d.caseId,
        projection: caseOpened({ ...d, createdAt }, { eventId: event.id, kind: 'opened' }),
        mails: caseMails(event, { caseId: d.caseId }, d.customerId),
      });
      await fanOutToWebhooks(trx, event);
    },

    'case.assigned': async (event, trx, meta) => {
      const d = event.data;
      const at = new Date(d.assignedAt);
      pending.add(trx, meta, {
        caseId: d.caseId,
        projection: statusChanged({ caseId: d.caseId, status: 'assigned', at, assigneeId: d.agentId, assignedAt: at }, { eventId: event.id, kind: 'assigned' }),
        mails: caseMails(event, { caseId: d.caseId, agentId: d.agentId, assignedAt: d.assignedAt }, null),
      });
      await fanOutToWebhooks(trx, event);
    },

    'case.requeued': async (event, trx, meta) => {
      const d = event.data;
      const at = new Date(d.requeuedAt);
      pending.add(trx, meta, {
        caseId: d.caseId,
        projection: statusChanged({ caseId: d.caseId, status: 'open', at, assigneeId: null, queuedAt: new Date(d.queuedAt) }, { eventId: event.id, kind: 'requeued' }),
        mails: [],
      });
      await fanOutToWebhooks(trx, event);
    },

    'case.resolved': async (event, trx, meta) => {
      const d = event.data;
      const at = new Date(d.resolvedAt);
      pending.add(trx, meta, {
        caseId: d.caseId,
        projection: statusChanged(
          { caseId: d.caseId, status: 'resolved', at, assigneeId: d.agentId, resolvedAt: at, resolution: d.resolution },
          { eventId: event.id, kind: 'resolved' },
        ),
        mails: caseMails(event, { caseId: d.caseId, agentId: d.agentId, resolvedAt: d.resolvedAt, resolution: d.resolution }, null),
      });
      await fanOutToWebhooks(trx, event);
    },

    'agent.freed': (event, trx) => fanOutToWebhooks(trx, event),
    'agent.removed': (event, trx) => fanOutToWebhooks(trx, event),
  };
}
