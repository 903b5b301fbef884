import { randomUUID } from 'node:crypto';
import { eventually } from '@helmdesk/testkit';
import { digestWindow } from '../../src/domain/digest-schedule';
import { enqueueDailyDigest } from '../../src/digest/daily-digest';
import type { NotificationService } from '../../src/service';
import { EventProducer } from '../support/events';
import { MailSink } from '../support/mail-sink';
import { api, startService, testEnvironment, type TestEnvironment } from '../support/service';
import { WebhookReceiver } from '../support/webhook-receiver';

jest.setTimeout(120_000);

let env: TestEnvironment;
let sink: MailSink;
let receiver: WebhookReceiver;
let events: EventProducer;
let service: NotificationService;

const inbox = 'support@helmdesk.test';
/** The service's clock: 05:00 UTC on the 12th, so "yesterday" is the 11th. */
const now = new Date('2026-11-12T05:00:00Z');
const at = (iso: string) => new Date(iso);
let produced = 0;

beforeAll(async () => {
  env = await testEnvironment('notif_digest');
  sink = await new MailSink().start();
  receiver = await new WebhookReceiver().start();
  events = await new EventProducer(env.prefix).connect();
  service = await startService(env, sink.url, { HELMDESK_SUPPORT_INBOX: inbox }, { clock: { now: () => now } });
  // A webhook on every case topic: its deliveries tell when the consumer has seen every event.
  await api(service)
    .post('/api/v1/webhooks')
    .send({ url: receiver.url('/all', 204), events: ['case.created', 'case.assigned', 'case.requeued', 'case.resolved'] })
    .expect(201);
});

afterAll(async () => {
  await service?.stop();
  await events?.disconnect();
  await receiver?.stop();
  await sink?.stop();
  await env?.teardown();
});

async function opened(subject: string, createdAt: string): Promise<string> {
  produced++;
  return (await events.caseCreated(randomUUID(), subject, at(createdAt))).caseId;
}

async function allConsumed(): Promise<void> {
  await eventually(
    async () => {
      const res = await api(service).get('/api/v1/notifications?channel=webhook&limit=100').expect(200);
      return res.body.items.length === produced;
    },
    { what: `${produced} events consumed`, timeoutMs: 20_000 },
  );
}

describe('the daily digest', () => {
  it("sends yesterday's opened, assigned and resolved counts, the number waiting and the oldest waiting case to the support inbox", async () => {
    const agent = randomUUID();
    // Opened, assigned and resolved yesterday.
    const a = await opened('A: all in one day', '2026-11-11T09:00:00Z');
    await events.caseAssigned(a, agent, at('2026-11-11T09:05:00Z'));
    await events.caseResolved(a, agent, 'done', at('2026-11-11T15:00:00Z'));
    // Opened and assigned yesterday, still in progress.
    const b = await opened('B: in progress', '2026-11-11T10:00:00Z');
    await events.caseAssigned(b, agent, at('2026-11-11T10:30:00Z'));
    // Opened the day before, still waiting.
    await opened('C: waiting since the 10th', '2026-11-10T08:00:00Z');
    // Opened yesterday evening, waiting.
    await opened('D: waiting since last night', '2026-11-11T20:00:00Z');
    // Opened today: not yesterday's, but waiting now.
    await opened('E: opened today', '2026-11-12T01:00:00Z');
    // Opened and assigned the day before, resolved yesterday.
    const f = await opened('F: resolved yesterday', '2026-11-10T12:00:00Z');
    await events.caseAssigned(f, agent, at('2026-11-10T12:05:00Z'));
    await events.caseResolved(f, agent, null, at('2026-11-11T11:00:00Z'));
    // Opened on the 9th, assigned yesterday, then requeued: waiting again in its original place.
    const g = await opened('G: requeued <oldest>', '2026-11-09T07:00:00Z');
    await events.caseAssigned(g, agent, at('2026-11-11T08:00:00Z'));
    await events.publish('case.requeued', g, {
      caseId: g,
      previousAgentId: agent,
      queuedAt: '2026-11-09T07:00:00Z',
      requeuedAt: '2026-11-11T08:30:00Z',
    });
    produced += 7; // the assignments, resolutions and the requeue
    await allConsumed();

    const res = await api(service).post('/api/v1/notifications/digest').expect(202);
    expect(res.body).toEqual({ id: expect.any(String), deliveryId: expect.any(String), day: '2026-11-11', recipient: inbox });

    const [mail] = await eventually(() => sink.to(inbox).length > 0 && sink.to(inbox), { what: 'the digest mail', timeoutMs: 20_000 });
    expect(mail!.subject).toBe('Helmdesk daily digest for 2026-11-11');
    expect(mail!.text).toBe(
      [
        'Helmdesk on 2026-11-11 (UTC):',
        '',
        'Opened: 3',
        'Assigned: 3',
        'Resolved: 2',
        '',
        'Waiting now: 4',
        `Oldest waiting: "G: requeued <oldest>" (${g}), waiting since 2026-11-09T07:00:00.000Z`,
      ].join('\n'),
    );
    expect(mail!.html).toContain('&quot;G: requeued &lt;oldest&gt;&quot;');

    // The sink has the mail a moment before the worker records it as sent.
    const log = await eventually(async () => {
      const res = await api(service).get(`/api/v1/notifications?event=digest.daily&recipient=${inbox}`).expect(200);
      return res.body.items[0]?.status === 'sent' ? res : undefined;
    }, { what: 'the digest delivery recorded as sent' });
    expect(log.body.items).toEqual([
      expect.objectContaining({ eventId: res.body.id, template: 'digest.daily', channel: 'email', status: 'sent' }),
    ]);
  });

  it('renders the digest from the template as an admin last saved it', async () => {
    await api(service)
      .put('/api/v1/notification-templates/digest.daily')
      .send({ subject: 'Digest {{digest.date}}: {{digest.waiting}} waiting', body: 'Oldest: {{digest.oldestWaitingSubject}} since {{digest.oldestWaitingSince}}' })
      .expect(200);
    const res = await api(service).post('/api/v1/notifications/digest').expect(202);
    const mail = await eventually(() => sink.to(inbox).find((m) => m.headers['x-helmdesk-delivery'] === res.body.deliveryId), {
      what: 'the second digest',
      timeoutMs: 20_000,
    });
    expect(mail.subject).toBe('Digest 2026-11-11: 4 waiting');
    expect(mail.text).toBe('Oldest: G: requeued <oldest> since 2026-11-09T07:00:00.000Z');
  });

  it('records the scheduled digest once per day, however many replicas or CronJob runs try', async () => {
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => enqueueDailyDigest(service.host.db, { trigger: 'schedule', now, inbox })),
    );
    expect(runs.filter((r) => r !== null)).toHaveLength(1);
    expect(await enqueueDailyDigest(service.host.db, { trigger: 'schedule', now: at('2026-11-12T23:59:00Z'), inbox })).toBeNull();
    expect(await enqueueDailyDigest(service.host.db, { trigger: 'schedule', now: at('2026-11-13T05:00:00Z'), inbox })).toMatchObject({
      day: '2026-11-12',
    });
  });
});

describe('the in-process schedule', () => {
  it('when two replicas run the schedule, then one digest goes out for the day', async () => {
    const scheduledInbox = 'scheduled@helmdesk.test';
    const settings = { HELMDESK_SUPPORT_INBOX: scheduledInbox, HELMDESK_DIGEST_IN_PROCESS: 'true', HELMDESK_DIGEST_CRON: '* * * * * *' };
    const replicas = await Promise.all([startService(env, sink.url, settings), startService(env, sink.url, settings)]);
    try {
      await eventually(() => sink.to(scheduledInbox).length > 0, { what: 'a scheduled digest', timeoutMs: 20_000 });
      await new Promise((r) => setTimeout(r, 2_500)); // several more firings of the every-second schedule
      expect(sink.to(scheduledInbox)).toHaveLength(1);
      expect(sink.to(scheduledInbox)[0]!.subject).toContain(digestWindow(new Date()).day);
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
});
