import { randomUUID } from 'node:crypto';
import { eventually } from '@helmdesk/testkit';
import { verifyWebhook } from '../../src/domain/webhook-signature';
import type { NotificationService } from '../../src/service';
import { EventProducer } from '../support/events';
import { MailSink } from '../support/mail-sink';
import { api, auth, startService, testEnvironment, type TestEnvironment } from '../support/service';
import { WebhookReceiver } from '../support/webhook-receiver';

jest.setTimeout(120_000);

let env: TestEnvironment;
let sink: MailSink;
let events: EventProducer;
let receiver: WebhookReceiver;
let service: NotificationService;

const settings = {
  DELIVERY_MAX_ATTEMPTS: '3',
  WEBHOOK_DISABLE_AFTER_FAILURES: '2',
  WEBHOOK_TIMEOUT_MS: '500',
};

beforeAll(async () => {
  env = await testEnvironment('notif_webhooks');
  sink = await new MailSink().start();
  receiver = await new WebhookReceiver().start();
  events = await new EventProducer(env.prefix).connect();
  service = await startService(env, sink.url, settings);
});

afterAll(async () => {
  await service?.stop();
  await events?.disconnect();
  await receiver?.stop();
  await sink?.stop();
  await env?.teardown();
});

interface Registered {
  id: string;
  secret: string;
}

async function register(url: string, topics: string[]): Promise<Registered> {
  const res = await api(service).post('/api/v1/webhooks').send({ url, events: topics }).expect(201);
  return res.body;
}

interface WebhookDelivery {
  id: string;
  eventId: string;
  event: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  lastError: string | null;
}

async function deliveriesOf(webhookId: string): Promise<WebhookDelivery[]> {
  const res = await api(service).get(`/api/v1/webhooks/${webhookId}/deliveries`).expect(200);
  return res.body.items;
}

describe('webhook registration', () => {
  it('returns the Standard Webhooks secret once, and never again in the list', async () => {
    const res = await api(service)
      .post('/api/v1/webhooks')
      .send({ url: receiver.url('/registered'), events: ['case.created', 'case.resolved', 'case.created'] })
      .expect(201);
    expect(res.body).toMatchObject({ url: receiver.url('/registered'), events: ['case.created', 'case.resolved'], enabled: true });
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(res.body.secret.slice(6), 'base64')).toHaveLength(32);

    const list = await api(service).get('/api/v1/webhooks').expect(200);
    const listed = list.body.items.find((w: { id: string }) => w.id === res.body.id);
    expect(listed).toMatchObject({ id: res.body.id, url: res.body.url, events: res.body.events, enabled: true });
    expect(listed).not.toHaveProperty('secret');
    expect(JSON.stringify(list.body)).not.toContain(res.body.secret);
  });

  it('pages through the webhooks, oldest first', async () => {
    const created = [];
    for (const path of ['/page-1', '/page-2', '/page-3']) created.push((await register(receiver.url(path), ['agent.removed'])).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await api(service)
        .get(`/api/v1/webhooks?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .expect(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((w) => w.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.slice(-3)).toEqual(created);
    await api(service).get('/api/v1/webhooks?cursor=forged').expect(400);
  });

  it.each([
    [{ url: 'ftp://example.com/hook', events: ['case.created'] }, 'body.url'],
    [{ url: 'not a url', events: ['case.created'] }, 'body.url'],
    [{ url: 'https://user:pw@example.com/hook', events: ['case.created'] }, 'body.url'],
    [{ url: 'https://example.com/hook', events: [] }, 'body.events'],
    [{ url: 'https://example.com/hook', events: ['case.exploded'] }, 'body.events.0'],
    [{ url: 'https://example.com/hook' }, 'body.events'],
    [{ url: 'https://example.com/hook', events: ['case.created'], secret: 'mine' }, 'body.secret'],
  ])('refuses %j with 400 naming %s', async (body, path) => {
    const res = await api(service).post('/api/v1/webhooks').send(body).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:169.254.169.254]/',
    'http://100.100.100.200/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://[fe80::1]/',
    'http://metadata.google.internal/computeMetadata/v1/',
  ])('refuses the link-local / metadata URL %s even when private addresses are allowed', async (url) => {
    const res = await api(service).post('/api/v1/webhooks').send({ url, events: ['case.created'] }).expect(400);
    expect(res.body.errors).toEqual([{ path: 'body.url', message: expect.stringMatching(/^refused: .*(metadata|link-local)/) }]);
  });

  it('refuses a host name that does not resolve', async () => {
    const res = await api(service)
      .post('/api/v1/webhooks')
      .send({ url: 'https://no-such-host.invalid/hook', events: ['case.created'] })
      .expect(400);
    expect(res.body.errors[0]).toMatchObject({ path: 'body.url', message: expect.stringContaining('does not resolve') });
  });

  it('answers 401 without a token, 403 to a non-admin, and 404 or 400 for unknown or malformed ids', async () => {
    await api(service, '').get('/api/v1/webhooks').expect(401);
    await api(service, auth.mint('agent').header).get('/api/v1/webhooks').expect(403);
    await api(service).delete(`/api/v1/webhooks/${randomUUID()}`).expect(404);
    await api(service).get(`/api/v1/webhooks/${randomUUID()}/deliveries`).expect(404);
    const bad = await api(service).delete('/api/v1/webhooks/not-a-uuid').expect(400);
    expect(bad.body.errors[0].path).toBe('params.id');
  });
});

describe('webhook delivery', () => {
  it('posts the CloudEvent signed so the receiver can verify it with the secret', async () => {
    const hook = await register(receiver.url('/signed', 200), ['case.created']);
    const customerId = randomUUID();
    const { event } = await events.caseCreated(customerId, 'A signed event');

    const [request] = await eventually(() => receiver.on('/signed').length > 0 && receiver.on('/signed'), {
      what: 'the webhook request',
      timeoutMs: 20_000,
    });
    expect(request!.headers['content-type']).toBe('application/json');
    expect(verifyWebhook(hook.secret, request!.headers as Record<string, string>, request!.body)).toBe(true);
    expect(verifyWebhook(hook.secret, request!.headers as Record<string, string>, `${request!.body} `)).toBe(false);
    expect(verifyWebhook(`whsec_${Buffer.alloc(32, 7).toString('base64')}`, request!.headers as Record<string, string>, request!.body)).toBe(false);
    expect(JSON.parse(request!.body)).toEqual(event);

    const [delivery] = await eventually(async () => {
      const found = await deliveriesOf(hook.id);
      return found[0]?.status === 'succeeded' && found;
    }, { what: 'the delivery recorded' });
    expect(delivery).toMatchObject({ eventId: event.id, event: 'case.created', status: 'succeeded', attempts: 1, responseStatus: 200, lastError: null });
    expect(request!.headers['webhook-id']).toBe(delivery!.id);
  });

  it('when the receiver answers 500 and then 200, then the event arrives on the retry, signed again under the same webhook-id', async () => {
    const hook = await register(receiver.url('/flaky', 500, 200), ['case.created']);
    const { event } = await events.caseCreated(randomUUID(), 'A flaky receiver');
    const delivery = await eventually(async () => {
      const [found] = await deliveriesOf(hook.id);
      return found?.status === 'succeeded' && found;
    }, { what: 'the retried delivery', timeoutMs: 20_000 });
    expect(delivery).toMatchObject({ eventId: event.id, attempts: 2, responseStatus: 200, lastError: 'receiver answered HTTP 500' });
    const requests = receiver.on('/flaky');
    expect(requests).toHaveLength(2);
    expect(new Set(requests.map((r) => r.headers['webhook-id']))).toEqual(new Set([delivery.id]));
    for (const r of requests) expect(verifyWebhook(hook.secret, r.headers as Record<string, string>, r.body)).toBe(true);
  });

  it('when the receiver does not answer in time, then the attempt ends at WEBHOOK_TIMEOUT_MS and is retried', async () => {
    const hook = await register(receiver.url('/slow', 'hang', 204), ['case.created']);
    await events.caseCreated(randomUUID(), 'A slow receiver');
    const delivery = await eventually(async () => {
      const [found] = await deliveriesOf(hook.id);
      return found?.status === 'succeeded' && found;
    }, { what: 'the delivery after a timeout', timeoutMs: 20_000 });
    expect(delivery).toMatchObject({ attempts: 2, responseStatus: 204 });
    expect(delivery.lastError).toMatch(/^no answer within 500 ms/);
  });

  it('when a receiver keeps failing, then its deliveries end failed and the webhook is disabled', async () => {
    const hook = await register(receiver.url('/down', 503), ['case.created']);
    await events.caseCreated(randomUUID(), 'down 1');
    await events.caseCreated(randomUUID(), 'down 2');
    const webhook = await eventually(async () => {
      const res = await api(service).get('/api/v1/webhooks?limit=100').expect(200);
      const found = res.body.items.find((w: { id: string }) => w.id === hook.id);
      return found?.enabled === false && found;
    }, { what: 'the webhook disabled', timeoutMs: 20_000 });
    expect(webhook.disabledReason).toBe('disabled after 2 consecutive failed deliveries');

    const deliveries = await deliveriesOf(hook.id);
    expect(deliveries).toHaveLength(2);
    for (const d of deliveries) {
      expect(d).toMatchObject({ status: 'failed', attempts: 3, responseStatus: 503, lastError: 'receiver answered HTTP 503' });
    }
    // A disabled webhook gets nothing more (while the others still get the event).
    const requestsBefore = receiver.on('/down').length;
    expect(requestsBefore).toBe(6);
    const { event: after } = await events.caseCreated(randomUUID(), 'after disabling');
    await eventually(() => receiver.on('/signed').some((r) => JSON.parse(r.body).id === after.id), {
      what: 'the next event at another webhook',
      timeoutMs: 20_000,
    });
    expect(receiver.on('/down')).toHaveLength(requestsBefore);
    expect(await deliveriesOf(hook.id)).toHaveLength(2);
  });

  it('when a webhook is deleted, then it is gone from the list and gets nothing more', async () => {
    const hook = await register(receiver.url('/deleted', 204), ['case.resolved']);
    await api(service).delete(`/api/v1/webhooks/${hook.id}`).expect(204);
    await api(service).delete(`/api/v1/webhooks/${hook.id}`).expect(404);
    const list = await api(service).get('/api/v1/webhooks?limit=100').expect(200);
    expect(list.body.items.map((w: { id: string }) => w.id)).not.toContain(hook.id);
    const resolved = await events.caseResolved(randomUUID(), randomUUID(), null);
    await eventually(() => receiver.on('/registered').some((r) => JSON.parse(r.body).id === resolved.id), {
      what: 'the event at another webhook',
      timeoutMs: 20_000,
    });
    expect(receiver.on('/deleted')).toHaveLength(0);
  });
});

describe('the SSRF guard (HELMDESK_WEBHOOK_ALLOW_PRIVATE=false)', () => {
  let guarded: NotificationService;

  beforeAll(async () => {
    await service.stop(); // from now on only the guarded service sends
    guarded = await startService(env, sink.url, { ...settings, HELMDESK_WEBHOOK_ALLOW_PRIVATE: 'false' });
    service = guarded;
  });

  it.each([
    ['http://127.0.0.1:8080/hook', 'loopback'],
    ['http://localhost/hook', 'loopback'],
    ['http://[::1]/hook', 'loopback'],
    ['http://10.1.2.3/hook', 'private'],
    ['http://192.168.1.10/hook', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local / cloud metadata'],
  ])('refuses %s (%s)', async (url, reason) => {
    const res = await api(guarded).post('/api/v1/webhooks').send({ url, events: ['case.created'] }).expect(400);
    expect(res.body.errors[0]).toEqual({ path: 'body.url', message: expect.stringContaining(`is a ${reason} address`) });
  });

  it('checks the address again at send time: a webhook whose host now resolves to loopback gets nothing', async () => {
    // Registered while private addresses were allowed (as if its DNS changed since).
    const before = receiver.on('/signed').length;
    const { event } = await events.caseCreated(randomUUID(), 'after the guard went up');
    const list = await api(guarded).get('/api/v1/webhooks?limit=100').expect(200);
    const signed = list.body.items.find((w: { url: string }) => w.url.endsWith('/signed'));
    const delivery = await eventually(async () => {
      const found = (await deliveriesOf(signed.id)).find((d) => d.eventId === event.id);
      return found?.status === 'failed' && found;
    }, { what: 'the refused delivery', timeoutMs: 20_000 });
    expect(delivery).toMatchObject({ attempts: 1, responseStatus: null, lastError: 'refused: 127.0.0.1 is a loopback address' });
    expect(receiver.on('/signed')).toHaveLength(before);
  });
});
