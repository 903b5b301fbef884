import { z } from 'zod';
import { topics } from '@helmdesk/contracts';
import {
  decodeCursor,
  defineRoute,
  Invalid,
  NotFound,
  pageQuery,
  pageSchema,
  ServiceUnavailable,
  toPage,
} from '@helmdesk/platform';
import { newWebhookSecret } from '../domain/webhook-signature';
import { RefusedDestination, resolveDestination, UnresolvableDestination } from '../delivery/destination';
import { listDeliveries, type DeliveryRow } from '../store/deliveries';
import { deleteWebhook, findWebhook, insertWebhook, listWebhooks, type WebhookRow } from '../store/webhooks';
import type { RouteDeps } from './deps';

const admin = ['admin'] as const;
const time = z.iso.datetime({ offset: true });

const webhookView = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  disabledAt: time.nullable(),
  disabledReason: z.string().nullable(),
  createdAt: time,
});

function toView(row: WebhookRow): z.infer<typeof webhookView> {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    enabled: row.enabled,
    disabledAt: row.disabled_at?.toISOString() ?? null,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at.toISOString(),
  };
}

const webhookDelivery = z.object({
  id: z.uuid(),
  eventId: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  responseStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  createdAt: time,
  deliveredAt: time.nullable(),
});

const webhookStatus = { queued: 'pending', sent: 'succeeded', failed: 'failed' } as const;

function toDeliveryView(row: DeliveryRow): z.infer<typeof webhookDelivery> {
  return {
    id: row.id,
    eventId: row.event_id,
    event: row.event,
    status: webhookStatus[row.status],
    attempts: row.attempts,
    responseStatus: row.response_status,
    lastError: row.last_error,
    createdAt: row.created_at.toISOString(),
    deliveredAt: row.sent_at?.toISOString() ?? null,
  };
}

const registration = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' })
    .max(2048)
    .refine((u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''), 'must not contain credentials'),
  events: z.array(z.enum(topics)).min(1).max(topics.length * 2),
});

const idParams = z.object({ id: z.uuid() });

async function checkDestination(url: string, deps: RouteDeps): Promise<void> {
  try {
    await resolveDestination(new URL(url), deps.destinations);
  } catch (err) {
    if (err instanceof RefusedDestination || (err instanceof UnresolvableDestination && !err.transient)) {
      const message = err instanceof RefusedDestination ? `refused: ${err.message}` : err.message;
      throw new Invalid(`The webhook URL is not allowed: ${message}`, [{ path: 'body.url', message }]);
    }
    if (err instanceof UnresolvableDestination) throw new ServiceUnavailable(`Cannot check the webhook URL now: ${err.message}`);
    throw err;
  }
}

export function webhookRoutes(deps: RouteDeps) {
  return [
    defineRoute({
      method: 'POST',
      path: '/api/v1/webhooks',
      summary: 'Register a webhook; the signing secret is in this response only',
      tags: ['webhooks'],
      access: admin,
      status: 201,
      idempotent: true,
      body: registration,
      response: webhookView.extend({ secret: z.string() }),
      problems: [503],
      handler: async ({ body }) => {
        await checkDestination(body.url, deps);
        const row = await insertWebhook(deps.db, { url: body.url, events: [...new Set(body.events)], secret: newWebhookSecret() });
        return { ...toView(row), secret: row.secret };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/webhooks',
      summary: 'List webhooks (without secrets)',
      tags: ['webhooks'],
      access: admin,
      query: z.strictObject({ ...pageQuery }),
      response: pageSchema(webhookView),
      handler: async ({ query }) => {
        const after = query.cursor ? String(decodeCursor(query.cursor, 1)[0]) : undefined;
        const rows = await listWebhooks(deps.db, after, query.limit);
        return toPage(rows, query.limit, (r) => [r.id], toView);
      },
    }),
    defineRoute({
      method: 'DELETE',
      path: '/api/v1/webhooks/:id',
      summary: 'Delete a webhook; deliveries still queued for it are dropped',
      tags: ['webhooks'],
      access: admin,
      params: idParams,
      problems: [404],
      handler: async ({ params }) => {
        if (!(await deleteWebhook(deps.db, params.id))) throw new NotFound(`There is no webhook ${params.id}.`);
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/webhooks/:id/deliveries',
      summary: "A webhook's deliveries, newest first, with the receiver's response code",
      tags: ['webhooks'],
      access: admin,
      params: idParams,
      query: z.strictObject({ ...pageQuery }),
      response: pageSchema(webhookDelivery),
      problems: [404],
      handler: async ({ params, query }) => {
        if (!(await findWebhook(deps.db, params.id))) throw new NotFound(`There is no webhook ${params.id}.`);
        const before = query.cursor ? Number(decodeCursor(query.cursor, 1)[0]) : undefined;
        const rows = await listDeliveries(deps.db, { webhookId: params.id }, before, query.limit);
        return toPage(rows, query.limit, (r) => [r.seq], toDeliveryView);
      },
    }),
  ];
}
