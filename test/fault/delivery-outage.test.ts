import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eventually, freePort } from '@helmdesk/testkit';
import {
  allPages,
  countBy,
  createAgent,
  mailsSince,
  recordFigures,
  registerCustomer,
  sleep,
  stack,
  startFaultPlatform,
  type Account,
  type FaultPlatform,
} from './support';

/**
 * The outbound side: the SMTP server and a webhook receiver go away while cases are opened, and
 * come back. Mail and webhook deliveries wait and retry; afterwards every one arrives, and none
 * twice (webhooks: once each after dropping repeats by `webhook-id`, as Standard Webhooks
 * receivers do).
 */
jest.setTimeout(300_000);

let fx: FaultPlatform;
let agent: Account;
let customer: Account;
const started = Date.now();
const figures: Record<string, unknown> = {};

interface Received {
  webhookId: string;
  eventId: string;
  type: string;
  subject: string;
  signatureOk: boolean;
}

/** A Standard Webhooks receiver on a fixed loopback port that can be taken down and up again. */
class Receiver {
  readonly received: Received[] = [];
  secret = '';
  private server: http.Server | null = null;
  constructor(readonly port: number) {}

  async up(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const id = String(req.headers['webhook-id'] ?? '');
        const ts = String(req.headers['webhook-timestamp'] ?? '');
        const expected = createHmac('sha256', Buffer.from(this.secret.replace(/^whsec_/, ''), 'base64'))
          .update(`${id}.${ts}.${body}`)
          .digest('base64');
        const signatures = String(req.headers['webhook-signature'] ?? '').split(' ');
        const event = JSON.parse(body) as { id: string; type: string; subject: string };
        this.received.push({ webhookId: id, eventId: event.id, type: event.type, subject: event.subject, signatureOk: signatures.includes(`v1,${expected}`) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => this.server!.listen(this.port, '127.0.0.1', () => r()));
    expect((this.server.address() as AddressInfo).port).toBe(this.port);
  }

  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

let receiver: Receiver;

beforeAll(async () => {
  fx = await startFaultPlatform('delivery', {
    env: { HELMDESK_WEBHOOK_ALLOW_PRIVATE: 'true', WEBHOOK_DISABLE_AFTER_FAILURES: '1000', WEBHOOK_TIMEOUT_MS: '2000' },
  });
  agent = await createAgent(fx, 'lea', { capacity: 50 });
  customer = await registerCustomer(fx, 'max');
  receiver = new Receiver(await freePort());
  await receiver.up();
  const hook = await fx.admin.post('/api/v1/webhooks', {
    url: `http://127.0.0.1:${receiver.port}/hooks/helmdesk`,
    events: ['case.created', 'case.assigned'],
  });
  expect(hook.status).toBe(201);
  receiver.secret = hook.body.secret;
});

afterAll(async () => {
  await stack('up', 'smtp').catch((err) => console.error(err));
  recordFigures('delivery-outage', figures);
  await receiver?.down();
  await fx?.stop();
});

const tag = (phase: string, i: number) => `[${phase}-${fx.run}-${String(i).padStart(2, '0')}]`;

async function openCases(phase: string, n: number): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    const res = await customer.client.post('/api/v1/cases', { subject: `Delivery ${tag(phase, i)}`, description: `${phase} outage` });
    expect(res.status).toBe(201);
    ids.set(tag(phase, i), res.body.id);
    await sleep(300);
  }
  return ids;
}

async function expectAssigned(ids: Map<string, string>) {
  await eventually(
    async () => {
      const mine = (await allPages(customer.client, '/api/v1/cases')).filter((c) => [...ids.values()].includes(c.id));
      return mine.length === ids.size && mine.every((c) => c.status === 'assigned');
    },
    { what: 'the cases assigned', timeoutMs: 60_000, intervalMs: 500 },
  );
}

describe('the SMTP server down while cases are opened', () => {
  it('sends every mail once it is back, none twice', async () => {
    await stack('down', 'smtp');
    const downAt = Date.now();
    const ids = await openCases('smtp', 10);
    await expectAssigned(ids);
    await sleep(3_000);
    const phase = () => mailsSince(started).filter((m) => m.subject.includes(`[smtp-${fx.run}-`));
    expect(phase()).toHaveLength(0);
    const queued = await fx.admin.get(`/api/v1/notifications?channel=email&status=queued&limit=100`);
    expect(queued.body.items.length).toBeGreaterThanOrEqual(30);
    await stack('up', 'smtp');
    const upAt = Date.now();

    await eventually(() => phase().length >= 30, { what: '30 mails after the outage', timeoutMs: 90_000, intervalMs: 500 });
    const allSentAfterMs = Date.now() - upAt;
    await sleep(3_000);
    const mails = phase();
    const duplicates = [...countBy(mails, (m) => `${m.to}|${m.subject}`).values()].filter((n) => n > 1).length;
    expect(duplicates).toBe(0);
    for (const t of ids.keys()) {
      const about = countBy(mails.filter((m) => m.subject.includes(t)), (m) => m.to);
      expect(about.get(customer.email.toLowerCase())).toBe(2);
      expect(about.get(agent.email.toLowerCase())).toBe(1);
    }
    const failed = await fx.admin.get(`/api/v1/notifications?channel=email&status=failed&limit=100`);
    expect(failed.body.items).toEqual([]);
    figures.smtp = { cases: ids.size, smtpDownMs: upAt - downAt, mailsExpected: 30, mailsSent: mails.length, lost: 30 - new Set(mails.map((m) => `${m.to}|${m.subject}`)).size, duplicates, allSentAfterUpMs: allSentAfterMs };
  });
});

describe('the webhook receiver down while cases are opened', () => {
  it('delivers every event once it is back, exactly once per webhook-id', async () => {
    await receiver.down();
    const downAt = Date.now();
    const before = receiver.received.length;
    const ids = await openCases('hook', 10);
    await expectAssigned(ids);
    await sleep(3_000); // deliveries fail (connection refused) and are retried meanwhile
    expect(receiver.received.length).toBe(before);
    await receiver.up();
    const upAt = Date.now();

    const ours = () => receiver.received.filter((r) => [...ids.values()].includes(r.subject));
    await eventually(() => new Set(ours().map((r) => r.eventId)).size >= 20, {
      what: 'case.created and case.assigned of the ten cases',
      timeoutMs: 90_000,
      intervalMs: 500,
    });
    const allDeliveredAfterMs = Date.now() - upAt;
    await sleep(3_000);
    const got = ours();
    expect(got.every((r) => r.signatureOk)).toBe(true);
    // After dropping repeats by webhook-id: each event exactly once, each under one webhook-id.
    const byWebhookId = new Map(got.map((r) => [r.webhookId, r]));
    const events = countBy([...byWebhookId.values()], (r) => r.eventId);
    expect(events.size).toBe(20);
    expect([...events.values()].every((n) => n === 1)).toBe(true);
    for (const caseId of ids.values()) {
      const types = [...byWebhookId.values()].filter((r) => r.subject === caseId).map((r) => r.type);
      expect(types.sort()).toEqual(['case.assigned', 'case.created']);
    }
    const hooks = (await fx.admin.get('/api/v1/webhooks')).body.items;
    const deliveries = await allPages(fx.admin, `/api/v1/webhooks/${hooks[0].id}/deliveries`);
    const mine = deliveries.filter((d) => got.some((r) => r.webhookId === d.id));
    expect(mine).toHaveLength(20);
    expect(mine.every((d) => d.status === 'succeeded')).toBe(true);
    figures.webhook = {
      cases: ids.size,
      receiverDownMs: upAt - downAt,
      eventsExpected: 20,
      requestsReceived: got.length,
      repeatsDroppedByWebhookId: got.length - byWebhookId.size,
      lost: 20 - events.size,
      duplicates: [...events.values()].filter((n) => n > 1).length,
      maxAttempts: Math.max(...mine.map((d) => d.attempts)),
      allDeliveredAfterUpMs: allDeliveredAfterMs,
    };
  });
});
