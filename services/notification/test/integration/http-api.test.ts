import { randomUUID } from 'node:crypto';
import { createLogger, loadConfig } from '@helmdesk/platform';
import { createTestDatabase, stackEnv, type TestDatabase } from '@helmdesk/testkit';
import { notificationConfigSchema } from '../../src/config';
import { createNotificationService, type NotificationService } from '../../src/service';
import { enqueueDeliveries } from '../../src/store/deliveries';
import { api, auth } from '../support/service';

jest.setTimeout(60_000);

// The HTTP API over a migrated database, without consumer or workers: what the log shows is what
// the test put there.
let testDb: TestDatabase;
let service: NotificationService;

const base = Date.parse('2026-11-10T00:00:00Z');
const hour = 3_600_000;

interface Arranged {
  id: string;
  recipient: string;
  channel: 'email' | 'webhook';
  status: 'queued' | 'sent' | 'failed';
  event: string;
  createdAt: Date;
}
const arranged: Arranged[] = [];

beforeAll(async () => {
  testDb = await createTestDatabase('notif_http');
  const config = loadConfig(notificationConfigSchema, {
    DATABASE_URL: testDb.url,
    KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','),
    JWKS_URL: 'http://127.0.0.1:9/unused',
    SMTP_URL: 'smtp://127.0.0.1:9',
  });
  service = createNotificationService(config, { verifier: auth.verifier, logger: createLogger('test', 'silent') });
  await service.host.migrate();

  // 24 deliveries, one per hour from 2026-11-10T00:00Z, cycling through recipients, channels,
  // statuses and events.
  const recipients = ['ada@example.com', 'grace@example.com', 'https://hooks.example.com/x'];
  const statuses = ['queued', 'sent', 'failed'] as const;
  const topics = ['case.created', 'case.assigned', 'case.resolved', 'user.created'];
  for (let i = 0; i < 24; i++) {
    const recipient = recipients[i % 3]!;
    const channel = recipient.startsWith('https') ? 'webhook' : 'email';
    const [id] = await enqueueDeliveries(service.host.db, [
      {
        eventId: randomUUID(),
        event: topics[i % 4]!,
        channel,
        audience: channel === 'email' ? 'customer' : randomUUID(),
        recipient,
        template: channel === 'email' ? 'case.opened.customer' : null,
        context: {},
      },
    ]);
    const createdAt = new Date(base + i * hour);
    const status = statuses[i % 3]!;
    await service.host.db
      .updateTable('delivery')
      .set({
        created_at: createdAt,
        status,
        attempts: status === 'queued' ? 0 : 1,
        sent_at: status === 'sent' ? new Date(createdAt.getTime() + 1000) : null,
        last_error: status === 'failed' ? 'receiver answered HTTP 500' : null,
      })
      .where('id', '=', id!)
      .execute();
    // A delivery that has ended is no longer in the queue (the worker's outcome does both).
    if (status !== 'queued') await service.host.db.deleteFrom('delivery_queue').where('delivery_id', '=', id!).execute();
    arranged.push({ id: id!, recipient, channel, status, event: topics[i % 4]!, createdAt });
  }
});

afterAll(async () => {
  await service?.host.database.close();
  await testDb?.drop();
});

const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);
const newestFirst = (rows: Arranged[]) => [...rows].reverse().map((r) => r.id);

describe('the delivery log', () => {
  it('lists deliveries newest first with exactly the documented fields', async () => {
    const res = await api(service).get('/api/v1/notifications?limit=100').expect(200);
    expect(ids(res.body)).toEqual(newestFirst(arranged));
    expect(res.body.nextCursor).toBeNull();
    const failed = res.body.items.find((i: { status: string }) => i.status === 'failed');
    expect(failed).toEqual({
      id: expect.any(String),
      eventId: expect.any(String),
      event: expect.any(String),
      channel: expect.stringMatching(/^(email|webhook)$/),
      recipient: expect.any(String),
      template: failed.channel === 'email' ? 'case.opened.customer' : null,
      status: 'failed',
      attempts: 1,
      lastError: 'receiver answered HTTP 500',
      createdAt: expect.stringMatching(/^2026-11-1\dT\d\d:00:00\.000Z$/),
      sentAt: null,
    });
  });

  it.each([
    ['recipient=GRACE@example.com', (r: Arranged) => r.recipient === 'grace@example.com'],
    ['status=failed', (r: Arranged) => r.status === 'failed'],
    ['channel=webhook', (r: Arranged) => r.channel === 'webhook'],
    ['event=case.assigned', (r: Arranged) => r.event === 'case.assigned'],
    ['from=2026-11-10T05:00:00Z&to=2026-11-10T09:00:00Z', (r: Arranged) => r.createdAt.getUTCHours() >= 5 && r.createdAt.getUTCHours() < 9],
    ['channel=email&status=sent&from=2026-11-10T12:00:00%2B01:00', (r: Arranged) => r.channel === 'email' && r.status === 'sent' && r.createdAt.getTime() >= base + 11 * hour],
  ])('filters by %s', async (query, keep) => {
    const res = await api(service).get(`/api/v1/notifications?limit=100&${query}`).expect(200);
    const expected = newestFirst(arranged.filter(keep));
    expect(expected.length).toBeGreaterThan(0);
    expect(ids(res.body)).toEqual(expected);
  });

  it('pages through the log with the cursor, without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await api(service)
        .get(`/api/v1/notifications?limit=10${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)
        .expect(200);
      seen.push(...ids(res.body));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual(newestFirst(arranged));
  });

  it('keeps the filters across pages', async () => {
    const first = await api(service).get('/api/v1/notifications?channel=email&limit=5').expect(200);
    const second = await api(service)
      .get(`/api/v1/notifications?channel=email&limit=5&cursor=${encodeURIComponent(first.body.nextCursor)}`)
      .expect(200);
    expect([...ids(first.body), ...ids(second.body)]).toEqual(newestFirst(arranged.filter((r) => r.channel === 'email')).slice(0, 10));
  });

  it.each([
    ['status=bounced', 'query.status'],
    ['channel=sms', 'query.channel'],
    ['event=case.exploded', 'query.event'],
    ['from=yesterday', 'query.from'],
    ['from=2026-11-11T00:00:00Z&to=2026-11-10T00:00:00Z', 'query.to'],
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['cursor=forged', 'query.cursor'],
    ['sort=asc', 'query.sort'],
  ])('refuses ?%s with 400 naming %s', async (query, path) => {
    const res = await api(service).get(`/api/v1/notifications?${query}`).expect(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('is for admins only', async () => {
    await api(service, '').get('/api/v1/notifications').expect(401);
    await api(service, auth.mint('customer').header).get('/api/v1/notifications').expect(403);
    await api(service, auth.mint('agent').header).post('/api/v1/notifications/digest').expect(403);
  });

  it('refuses a body on the digest trigger, which takes none', async () => {
    const res = await api(service).post('/api/v1/notifications/digest').send({ day: '2026-11-11' }).expect(400);
    expect(res.body.errors).toEqual([{ path: 'body.day', message: 'unknown field' }]);
  });
});

describe('the templates', () => {
  it('lists the five templates with their text, placeholders and update time', async () => {
    const res = await api(service).get('/api/v1/notification-templates').expect(200);
    expect(res.body.items.map((t: { key: string }) => t.key)).toEqual([
      'case.assigned.agent',
      'case.assigned.customer',
      'case.opened.customer',
      'case.resolved.customer',
      'digest.daily',
    ]);
    expect(res.body.items[2]).toMatchObject({
      key: 'case.opened.customer',
      subject: 'We received your case: {{case.subject}}',
      body: expect.stringContaining('Hello {{customer.name}},'),
      variables: expect.arrayContaining(['case.subject', 'case.id', 'customer.name']),
      updatedAt: expect.any(String),
    });
    const paged = await api(service).get('/api/v1/notification-templates?limit=2').expect(200);
    expect(paged.body.items).toHaveLength(2);
    const rest = await api(service)
      .get(`/api/v1/notification-templates?limit=10&cursor=${encodeURIComponent(paged.body.nextCursor)}`)
      .expect(200);
    expect(rest.body.items.map((t: { key: string }) => t.key)).toEqual(['case.opened.customer', 'case.resolved.customer', 'digest.daily']);
  });

  it('replaces a template whose placeholders are all known to it', async () => {
    const body = { subject: 'Case {{ case.id }} is with {{agent.name}}', body: 'Dear {{customer.name}}, {{agent.name}} took "{{case.subject}}".' };
    const res = await api(service).put('/api/v1/notification-templates/case.assigned.customer').send(body).expect(200);
    expect(res.body).toMatchObject({ key: 'case.assigned.customer', ...body });
    const list = await api(service).get('/api/v1/notification-templates').expect(200);
    expect(list.body.items.find((t: { key: string }) => t.key === 'case.assigned.customer')).toMatchObject(body);
  });

  it('refuses a placeholder the template does not know, naming it', async () => {
    const res = await api(service)
      .put('/api/v1/notification-templates/case.assigned.customer')
      .send({ subject: 'Hello {{customer.name}}', body: 'Write to {{agent.email}} or {{case.secret}}.' })
      .expect(400);
    expect(res.body.errors).toEqual([
      { path: 'body.body', message: expect.stringContaining('unknown placeholder {{agent.email}}') },
      { path: 'body.body', message: expect.stringContaining('unknown placeholder {{case.secret}}') },
    ]);
    expect(res.body.detail).toContain('{{agent.email}}');
  });

  it.each([
    [{ subject: 'Hi {{case.subject', body: 'x' }, 'body.subject', 'unclosed placeholder'],
    [{ subject: 'Hi', body: 'Hello {{ not valid! }}' }, 'body.body', 'malformed placeholder'],
    [{ subject: 'Two\nlines', body: 'x' }, 'body.subject', 'must be one line'],
    [{ subject: '', body: 'x' }, 'body.subject', ''],
    [{ subject: 'Hi', body: '' }, 'body.body', ''],
    [{ subject: 'Hi' }, 'body.body', ''],
    [{ subject: 'Hi', body: 'x', html: '<b>x</b>' }, 'body.html', 'unknown field'],
  ])('refuses %j with 400 at %s', async (body, path, message) => {
    const res = await api(service).put('/api/v1/notification-templates/case.opened.customer').send(body).expect(400);
    expect(res.body.errors).toContainEqual({ path, message: expect.stringContaining(message) });
  });

  it('answers 404 for a template that does not exist', async () => {
    await api(service).put('/api/v1/notification-templates/case.closed.customer').send({ subject: 'x', body: 'y' }).expect(404);
  });

  it('answers 415 for a body that is not JSON', async () => {
    await api(service).put('/api/v1/notification-templates/digest.daily').set('content-type', 'text/plain').send('hello').expect(415);
  });
});
