import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { eventually } from '@helmdesk/testkit';
import type { NotificationService } from '../../src/service';
import { EventProducer } from '../support/events';
import { MailSink } from '../support/mail-sink';
import { api, startService, testEnvironment, type TestEnvironment } from '../support/service';

jest.setTimeout(120_000);

let env: TestEnvironment;
let sink: MailSink;
let events: EventProducer;
const services: NotificationService[] = [];

beforeAll(async () => {
  env = await testEnvironment('notif_outage');
  sink = await new MailSink().start();
  events = await new EventProducer(env.prefix).connect();
});

afterAll(async () => {
  await Promise.all(services.map((s) => s.stop()));
  await events?.disconnect();
  await sink?.stop();
  await env?.teardown();
});

interface LogItem {
  id: string;
  recipient: string;
  status: string;
  attempts: number;
  lastError: string | null;
}

async function log(service: NotificationService, query: string): Promise<LogItem[]> {
  const res = await api(service).get(`/api/v1/notifications?limit=100&${query}`).expect(200);
  return res.body.items;
}

describe('an SMTP outage', () => {
  it('when the mail server is down while cases are opened, then the consumer carries on and every mail goes out once it is back, none twice', async () => {
    const service = await startService(env, sink.url);
    services.push(service);
    const customer = await events.user('customer', 'Outage Customer', 'outage@example.com');
    const { caseId: before } = await events.caseCreated(customer.id, 'before the outage');
    await eventually(() => sink.to(customer.email).some((m) => m.text.includes(before)), { what: 'a first mail', timeoutMs: 20_000 });

    await sink.stop();
    const cases: string[] = [];
    for (let i = 0; i < 5; i++) cases.push((await events.caseCreated(customer.id, `during the outage ${i}`)).caseId);

    // The consumer is not blocked: every case was consumed and its mail queued, waiting for SMTP.
    const waiting = await eventually(
      async () => {
        const items = await log(service, 'status=queued&recipient=outage@example.com');
        return items.length === 5 && items.every((i) => i.lastError?.startsWith('mail server unavailable')) && items;
      },
      { what: 'five mails waiting for the mail server', timeoutMs: 20_000 },
    );
    expect(waiting.every((i) => i.attempts === 0)).toBe(true);

    await sink.start();
    await eventually(() => cases.every((id) => sink.to(customer.email).some((m) => m.text.includes(id))), {
      what: 'every mail after the outage',
      timeoutMs: 20_000,
    });
    await eventually(async () => (await log(service, 'status=queued')).length === 0, { what: 'nothing queued' });
    for (const id of cases) expect(sink.to(customer.email).filter((m) => m.text.includes(id))).toHaveLength(1);
    const sent = await log(service, 'recipient=outage@example.com&status=sent');
    expect(sent).toHaveLength(6);
    // An outage is not the mail's fault: it used up no attempt.
    expect(sent.every((i) => i.attempts === 1)).toBe(true);
  });

  it('when two replicas share the queue, then each mail is sent by exactly one of them', async () => {
    while (services.length < 2) services.push(await startService(env, sink.url));
    const sentBefore = services.map((s) => s.deliveries.stats.sent);
    const customer = await events.user('customer', 'Replica Customer', 'replicas@example.com');
    await sink.stop(); // let a backlog build up, so both replicas compete for it
    const cases: string[] = [];
    for (let i = 0; i < 30; i++) cases.push((await events.caseCreated(customer.id, `replicated ${i}`)).caseId);
    await eventually(async () => (await log(services[0]!, 'recipient=replicas@example.com&status=queued')).length === 30, {
      what: 'thirty queued mails',
      timeoutMs: 20_000,
    });
    await sink.start();
    await eventually(() => sink.to(customer.email).length >= 30, { what: 'thirty mails', timeoutMs: 20_000 });
    await eventually(async () => (await log(services[0]!, 'status=queued')).length === 0, { what: 'nothing queued' });

    expect(sink.to(customer.email)).toHaveLength(30);
    expect(new Set(sink.to(customer.email).map((m) => m.messageId)).size).toBe(30);
    for (const id of cases) expect(sink.to(customer.email).filter((m) => m.text.includes(id))).toHaveLength(1);
    const sentByEach = services.map((s, i) => s.deliveries.stats.sent - sentBefore[i]!);
    expect(sentByEach.reduce((a, b) => a + b)).toBe(30);
    expect(sentByEach.every((n) => n > 0)).toBe(true); // both took part
  });
});

describe('a mail server that accepts connections but never answers', () => {
  let silent: Server;
  const sockets = new Set<Socket>();

  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket); // never greets
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('then each send gives up after SMTP_TIMEOUT_MS and the consumer keeps consuming', async () => {
    await Promise.all(services.splice(0).map((s) => s.stop())); // only the replica below sends now
    const hanging = await startService(env, `smtp://127.0.0.1:${(silent.address() as AddressInfo).port}`, {
      SMTP_TIMEOUT_MS: '300',
    });
    services.push(hanging);
    const customer = await events.user('customer', 'Hanging Customer', 'hanging@example.com');
    await events.caseCreated(customer.id, 'hanging 1');
    await events.caseCreated(customer.id, 'hanging 2');
    const items = await eventually(
      async () => {
        const found = await log(hanging, 'recipient=hanging@example.com');
        return found.length === 2 && found.every((i) => /timeout|timed out|abort/i.test(i.lastError ?? '')) && found;
      },
      { what: 'both mails timed out and queued', timeoutMs: 20_000 },
    );
    expect(items.map((i) => i.status)).toEqual(['queued', 'queued']);
  });
});
