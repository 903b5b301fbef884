import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Producer } from 'kafkajs';
import { cloudEventContentType, cloudEventSchema, type EventData } from '@helmdesk/contracts';
import { buildEvent } from '@helmdesk/platform';
import { eventually, testKafka, TopicCollector } from '@helmdesk/testkit';
import { startCaseService, type CaseServiceFixture } from './fixture';

jest.setTimeout(120_000);

let fx: CaseServiceFixture;
let producer: Producer;
let collector: TopicCollector;
const api = () => request(fx.svc.app);

type Minted = ReturnType<CaseServiceFixture['auth']['mint']>;
let customer: Minted;
let admin: Minted;
const agentA = randomUUID();
const agentB = randomUUID();

type AgentEvent = ReturnType<typeof assignedEvent>;

function assignedEvent(caseId: string, agentId: string, at: Date, how: 'auto' | 'claim' = 'auto') {
  return buildEvent('/helmdesk/agent', {
    type: 'case.assigned',
    subject: caseId,
    time: at,
    data: { caseId, agentId, how, assignedAt: at.toISOString() } satisfies EventData<'case.assigned'>,
  });
}

function requeuedEvent(caseId: string, previousAgentId: string, at: Date, queuedAt: Date) {
  return buildEvent('/helmdesk/agent', {
    type: 'case.requeued',
    subject: caseId,
    time: at,
    data: { caseId, previousAgentId, queuedAt: queuedAt.toISOString(), requeuedAt: at.toISOString() },
  });
}

function resolvedEvent(caseId: string, agentId: string, at: Date, resolution: string | null) {
  return buildEvent('/helmdesk/agent', {
    type: 'case.resolved',
    subject: caseId,
    time: at,
    data: { caseId, agentId, resolvedAt: at.toISOString(), resolution },
  });
}

/** Produces events as the agent service's relay would: on `prefix + type`, keyed by case id. */
async function publish(...events: (AgentEvent | ReturnType<typeof requeuedEvent> | ReturnType<typeof resolvedEvent>)[]) {
  for (const event of events) {
    await producer.send({
      topic: fx.prefix + event.type,
      messages: [
        {
          key: event.subject,
          value: JSON.stringify(event),
          headers: { 'content-type': cloudEventContentType, traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` },
        },
      ],
    });
  }
}

async function openCase(subject = 'Laptop will not boot') {
  const res = await api()
    .post('/api/v1/cases')
    .set('authorization', customer.header)
    .send({ subject, description: 'Black screen after the update.', priority: 'high' });
  expect(res.status).toBe(201);
  return res.body as { id: string; createdAt: string };
}

async function getCase(id: string) {
  const res = await api().get(`/api/v1/cases/${id}`).set('authorization', admin.header);
  expect(res.status).toBe(200);
  return res.body as { status: string; assigneeId: string | null; assignedAt: string | null; resolvedAt: string | null; resolution: string | null };
}

async function history(id: string) {
  const res = await api().get(`/api/v1/cases/${id}/history`).set('authorization', admin.header);
  expect(res.status).toBe(200);
  return res.body.items as { type: string; at: string; actorId?: string; data: Record<string, unknown> }[];
}

const seconds = (base: Date, s: number) => new Date(base.getTime() + s * 1000);

beforeAll(async () => {
  // One partition per topic: events on a topic are consumed in the order produced, which lets
  // a later marker event prove that the ones before it were handled.
  fx = await startCaseService({ running: true, partitions: 1 });
  customer = fx.auth.mint('customer');
  admin = fx.auth.mint('admin');
  producer = testKafka('case-events-test').producer();
  await producer.connect();
  collector = await new TopicCollector(fx.prefix, ['case.created', 'case.assigned.dlq']).start();
  // Warm up: the consumer joins its group in the background after start(); wait until it
  // applies an event, so the timing assertions below measure steady-state latency.
  const warm = await openCase('warm-up');
  await publish(assignedEvent(warm.id, agentA, new Date()));
  await eventually(async () => (await getCase(warm.id)).status === 'assigned', { timeoutMs: 60_000, what: 'the consumer to join' });
});

afterAll(async () => {
  await collector?.stop();
  await producer?.disconnect();
  await fx?.stop();
});

describe('publishing case.created', () => {
  it('when a customer opens a case, then case.created is published as a CloudEvent keyed by the case id', async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const res = await api()
      .post('/api/v1/cases')
      .set('authorization', customer.header)
      .set('traceparent', `00-${traceId}-${'1'.repeat(16)}-01`)
      .send({ subject: 'Published?', description: 'Check the topic.', priority: 'low' });
    expect(res.status).toBe(201);
    const id: string = res.body.id;
    const message = await eventually(() => collector.on('case.created').find((m) => m.key === id), {
      what: 'case.created on the topic',
    });
    expect(message.headers['content-type']).toBe('application/cloudevents+json');
    expect(message.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const envelope = cloudEventSchema.parse(message.json);
    expect(envelope).toMatchObject({ type: 'case.created', source: '/helmdesk/case', subject: id, datacontenttype: 'application/json' });
    expect(envelope.data).toEqual({
      caseId: id,
      customerId: customer.userId,
      subject: 'Published?',
      priority: 'low',
      createdAt: res.body.createdAt,
    });
  });

  it('when the same open is replayed with its Idempotency-Key, then case.created is published once', async () => {
    const key = randomUUID();
    const send = () =>
      api()
        .post('/api/v1/cases')
        .set('authorization', customer.header)
        .set('idempotency-key', key)
        .send({ subject: 'Once', description: 'Only one event.' });
    const first = await send();
    await send().expect(201);
    await eventually(() => collector.on('case.created').some((m) => m.key === first.body.id), { what: 'the event' });
    // The marker is opened after the replay; once its event is out, the replay's would be too.
    const marker = await openCase('marker');
    await eventually(() => collector.on('case.created').some((m) => m.key === marker.id), { what: 'the marker' });
    expect(collector.on('case.created').filter((m) => m.key === first.body.id)).toHaveLength(1);
  });
});

describe('following the agent service', () => {
  it('when a case is assigned, requeued, reassigned and resolved, then GET shows each step within a second and the history tells the story in order', async () => {
    const c = await openCase();
    const t0 = new Date();
    const steps = [
      assignedEvent(c.id, agentA, seconds(t0, 1)),
      requeuedEvent(c.id, agentA, seconds(t0, 2), new Date(c.createdAt)),
      assignedEvent(c.id, agentB, seconds(t0, 3), 'claim'),
      resolvedEvent(c.id, agentB, seconds(t0, 4), 'Rolled back the driver.'),
    ] as const;

    await publish(steps[0]);
    await eventually(async () => (await getCase(c.id)).status === 'assigned', { timeoutMs: 1_000, what: 'assigned' });
    expect(await getCase(c.id)).toMatchObject({ assigneeId: agentA, assignedAt: seconds(t0, 1).toISOString() });

    await publish(steps[1]);
    await eventually(async () => (await getCase(c.id)).status === 'open', { timeoutMs: 1_000, what: 'requeued' });
    expect(await getCase(c.id)).toMatchObject({ assigneeId: null, assignedAt: null });

    await publish(steps[2]);
    await eventually(async () => (await getCase(c.id)).assigneeId === agentB, { timeoutMs: 1_000, what: 'reassigned' });

    await publish(steps[3]);
    await eventually(async () => (await getCase(c.id)).status === 'resolved', { timeoutMs: 1_000, what: 'resolved' });
    expect(await getCase(c.id)).toMatchObject({
      status: 'resolved',
      assigneeId: agentB,
      assignedAt: seconds(t0, 3).toISOString(),
      resolvedAt: seconds(t0, 4).toISOString(),
      resolution: 'Rolled back the driver.',
    });

    expect(await history(c.id)).toEqual([
      { type: 'case.created', at: c.createdAt, actorId: customer.userId, data: { subject: 'Laptop will not boot', priority: 'high' } },
      { type: 'case.assigned', at: seconds(t0, 1).toISOString(), data: { agentId: agentA, how: 'auto' } },
      {
        type: 'case.requeued',
        at: seconds(t0, 2).toISOString(),
        data: { previousAgentId: agentA, queuedAt: c.createdAt },
      },
      { type: 'case.assigned', at: seconds(t0, 3).toISOString(), actorId: agentB, data: { agentId: agentB, how: 'claim' } },
      {
        type: 'case.resolved',
        at: seconds(t0, 4).toISOString(),
        actorId: agentB,
        data: { agentId: agentB, resolution: 'Rolled back the driver.' },
      },
    ]);

    // Replaying every event (same ids) changes nothing. Markers published after the replays,
    // on the same single-partition topics, prove the replays were consumed.
    const before = { case: await getCase(c.id), history: await history(c.id) };
    await publish(...steps, ...steps);
    const marker = await openCase('marker');
    const t1 = new Date();
    await publish(
      assignedEvent(marker.id, agentA, seconds(t1, 1)),
      requeuedEvent(marker.id, agentA, seconds(t1, 2), new Date(marker.createdAt)),
      resolvedEvent(marker.id, agentA, seconds(t1, 3), null),
    );
    await eventually(async () => (await history(marker.id)).length === 4, { what: 'the markers' });
    expect(await getCase(c.id)).toEqual(before.case);
    expect(await history(c.id)).toEqual(before.history);
  });

  it('when a resolution arrives before the assignment, then the case ends resolved and the history is still in the order things happened', async () => {
    const c = await openCase();
    const t0 = new Date();
    await publish(resolvedEvent(c.id, agentA, seconds(t0, 5), null));
    await eventually(async () => (await getCase(c.id)).status === 'resolved', { timeoutMs: 1_000, what: 'resolved' });
    await publish(assignedEvent(c.id, agentA, seconds(t0, 1)));
    await eventually(async () => (await getCase(c.id)).assignedAt !== null, { timeoutMs: 1_000, what: 'assignedAt filled in' });
    expect(await getCase(c.id)).toMatchObject({
      status: 'resolved',
      assigneeId: agentA,
      assignedAt: seconds(t0, 1).toISOString(),
      resolvedAt: seconds(t0, 5).toISOString(),
    });
    expect((await history(c.id)).map((h) => h.type)).toEqual(['case.created', 'case.assigned', 'case.resolved']);
  });

  it('when an assignment arrives for a resolved case, then the case stays resolved', async () => {
    const c = await openCase();
    const t0 = new Date();
    await publish(assignedEvent(c.id, agentA, seconds(t0, 1)), resolvedEvent(c.id, agentA, seconds(t0, 2), 'ok'));
    await eventually(async () => (await getCase(c.id)).status === 'resolved', { what: 'resolved' });
    await publish(assignedEvent(c.id, agentB, seconds(t0, 3)));
    await eventually(async () => (await history(c.id)).length === 4, { what: 'the late assignment recorded' });
    expect(await getCase(c.id)).toMatchObject({ status: 'resolved', assigneeId: agentA, resolution: 'ok' });
  });

  it('when an event names a case that does not exist, then it goes to the dead-letter topic and later events still apply', async () => {
    const ghost = randomUUID();
    await publish(assignedEvent(ghost, agentA, new Date()));
    const c = await openCase();
    await publish(assignedEvent(c.id, agentB, new Date()));
    await eventually(async () => (await getCase(c.id)).assigneeId === agentB, { what: 'the next event applied' });
    const letter = await eventually(() => collector.on('case.assigned.dlq').find((m) => m.key === ghost), {
      what: 'the dead letter',
    });
    expect(letter.headers['x-dlq-error']).toMatch(/unknown case/);
    expect(letter.headers['x-dlq-original-topic']).toBe('case.assigned');
  });

  it('when one fetch brings several events, then they apply in order as one batch, and an event for an unknown case in it is dead-lettered alone', async () => {
    const [c, d] = [await openCase('batch one'), await openCase('batch two')];
    const ghost = randomUUID();
    const t0 = new Date();
    const events = [
      assignedEvent(c.id, agentA, seconds(t0, 1)),
      assignedEvent(d.id, agentA, seconds(t0, 1)),
      assignedEvent(c.id, agentB, seconds(t0, 2)), // later: c ends with B
      assignedEvent(c.id, agentA, seconds(t0, 0.5)), // older than what the batch already applied: history only
      assignedEvent(ghost, agentB, seconds(t0, 3)),
    ];
    // One produce request: the records reach the consumer in one fetch, so in one batch.
    await producer.send({
      topic: fx.prefix + 'case.assigned',
      messages: events.map((e) => ({ key: e.subject, value: JSON.stringify(e), headers: { 'content-type': cloudEventContentType } })),
    });
    await eventually(() => collector.on('case.assigned.dlq').some((m) => m.key === ghost), { what: 'the unknown case dead-lettered' });
    await eventually(async () => (await getCase(d.id)).status === 'assigned', { what: 'the batch applied' });
    expect(await getCase(c.id)).toMatchObject({ status: 'assigned', assigneeId: agentB, assignedAt: seconds(t0, 2).toISOString() });
    expect(await getCase(d.id)).toMatchObject({ status: 'assigned', assigneeId: agentA });
    expect((await history(c.id)).map((h) => [h.type, h.data.agentId])).toEqual([
      ['case.created', undefined],
      ['case.assigned', agentA],
      ['case.assigned', agentA],
      ['case.assigned', agentB],
    ]);
  });
});
