import { z } from 'zod';
import { topics } from '@helmdesk/contracts';
import { decodeCursor, defineRoute, pageQuery, pageSchema, Reply, toPage } from '@helmdesk/platform';
import { enqueueDailyDigest } from '../digest/daily-digest';
import { listDeliveries, type DeliveryRow } from '../store/deliveries';
import type { RouteDeps } from './deps';

const admin = ['admin'] as const;
const time = z.iso.datetime({ offset: true });

export const deliveryLogEntry = z.object({
  id: z.uuid(),
  eventId: z.string(),
  event: z.string(),
  channel: z.enum(['email', 'webhook']),
  recipient: z.string(),
  template: z.string().nullable(),
  status: z.enum(['queued', 'sent', 'failed']),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  createdAt: time,
  sentAt: time.nullable(),
});

function toLogEntry(row: DeliveryRow): z.infer<typeof deliveryLogEntry> {
  return {
    id: row.id,
    eventId: row.event_id,
    event: row.event,
    channel: row.channel,
    recipient: row.recipient,
    template: row.template,
    status: row.status,
    attempts: row.attempts,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    sentAt: row.sent_at?.toISOString() ?? null,
  };
}

const logQuery = z
  .strictObject({
    recipient: z.string().trim().min(1).max(320).optional(),
    status: z.enum(['queued', 'sent', 'failed']).optional(),
    channel: z.enum(['email', 'webhook']).optional(),
    event: z.enum([...topics, 'digest.daily']).optional(),
    from: time.optional(),
    to: time.optional(),
    ...pageQuery,
  })
  .refine((q) => !q.from || !q.to || new Date(q.from) <= new Date(q.to), {
    path: ['to'],
    message: 'must not be before from',
  });

export function notificationRoutes(deps: RouteDeps) {
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/notifications',
      summary: 'The delivery log: every email and webhook delivery, newest first',
      tags: ['notifications'],
      access: admin,
      query: logQuery,
      response: pageSchema(deliveryLogEntry),
      handler: async ({ query }) => {
        const before = query.cursor ? Number(decodeCursor(query.cursor, 1)[0]) : undefined;
        const rows = await listDeliveries(
          deps.db,
          {
            recipient: query.recipient,
            status: query.status,
            channel: query.channel,
            event: query.event,
            from: query.from ? new Date(query.from) : undefined,
            to: query.to ? new Date(query.to) : undefined,
          },
          before,
          query.limit,
        );
        return toPage(rows, query.limit, (r) => [r.seq], toLogEntry);
      },
    }),
    defineRoute({
      method: 'POST',
      path: '/api/v1/notifications/digest',
      summary: "Send the daily digest (yesterday's figures) to the support inbox now",
      tags: ['notifications'],
      access: admin,
      status: 202,
      idempotent: true,
      response: z.object({ id: z.uuid(), deliveryId: z.uuid(), day: z.string(), recipient: z.string() }),
      handler: async () => {
        const digest = await enqueueDailyDigest(deps.db, { trigger: 'manual', now: deps.clock.now(), inbox: deps.supportInbox });
        deps.wakeDeliveries();
        return new Reply(202, digest);
      },
    }),
  ];
}
