import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { cloudEventContentType, cloudEventSchema, eventDataSchemas } from '@helmdesk/contracts';
import { buildEvent } from '@helmdesk/platform';
import { eventually, testKafka, TopicCollector } from '@helmdesk/testkit';
import { adminBearer, newAccount, signedIn, startAuthService, type AuthServiceFixture } from './fixture';

jest.setTimeout(120_000);

let fx: AuthServiceFixture;
let collector: TopicCollector;
let producer: Producer;

beforeAll(async () => {
  fx = await startAuthService({ running: true });
  collector = await new TopicCollector(fx.prefix, ['user.created', 'user.updated', 'agent.removed.dlq']).start();
  producer = testKafka('auth-events-test').producer();
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await collector?.stop();
  await fx?.stop();
});

async function publishAgentRemoved(agentId: string, id: string = randomUUID()) {
  const event = buildEvent('/helmdesk/agent', {
    id,
    type: 'agent.removed',
    subject: agentId,
    data: { agentId, removedAt: new Date().toISOString(), reassigned: false },
  });
  await producer.send({
    topic: `${fx.prefix}agent.removed`,
    messages: [{ key: agentId, value: JSON.stringify(event), headers: { 'content-type': cloudEventContentType } }],
  });
  return event;
}

describe('user.created on Kafka', () => {
  it('when a customer registers, then user.created is published as a CloudEvent keyed by the user id, without password material', async () => {
    const traceId = randomUUID().replace(/-/g, '');
    const account = newAccount('kafka');
    const res = await fx
      .api()
      .post('/api/v1/auth/register')
      .set('traceparent', `00-${traceId}-${'1'.repeat(16)}-01`)
      .send(account);
    expect(res.status).toBe(201);
    const message = await eventually(() => collector.on('user.created').find((m) => m.key === res.body.id), {
      timeoutMs: 30_000,
      what: 'user.created on Kafka',
    });
    expect(message.headers['content-type']).toBe(cloudEventContentType);
    expect(message.headers.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const envelope = cloudEventSchema.parse(message.json);
    expect(envelope).toMatchObject({ specversion: '1.0', type: 'user.created', source: '/helmdesk/auth', subject: res.body.id, datacontenttype: 'application/json' });
    expect(eventDataSchemas['user.created'].parse(envelope.data)).toEqual({
      userId: res.body.id,
      email: account.email,
      name: account.name,
      role: 'customer',
      disabled: false,
      createdAt: res.body.createdAt,
    });
    expect(message.value).not.toMatch(/\$2[aby]\$/);
    expect(message.value).not.toContain(account.password);
    expect(message.value?.toLowerCase()).not.toContain('password');
    expect(message.value?.toLowerCase()).not.toContain('hash');
  });

  it('when the service started on an empty database, then the first admin was announced too', async () => {
    const admin = await eventually(
      () => collector.on('user.created').find((m) => (m.json as { data: { email: string } }).data.email === fx.admin.email),
      { timeoutMs: 30_000, what: "the first admin's user.created" },
    );
    expect((admin.json as { data: { role: string } }).data.role).toBe('admin');
  });
});

describe('agent.removed', () => {
  it('when an agent is removed, then the login is disabled, its refresh tokens revoked, and user.updated published once', async () => {
    const agent = await signedIn(fx, 'agent');
    const event = await publishAgentRemoved(agent.user.id);
    await eventually(
      async () => (await fx.api().get(`/api/v1/users/${agent.user.id}`).set('authorization', await adminBearer(fx))).body.disabled === true,
      { timeoutMs: 60_000, what: 'the account to be disabled' },
    );
    expect((await fx.api().post('/api/v1/auth/refresh').send({ refreshToken: agent.session.refreshToken })).status).toBe(401);
    expect((await fx.api().post('/api/v1/auth/login').send({ email: agent.user.email, password: agent.password })).status).toBe(401);
    const updated = await eventually(() => collector.on('user.updated').find((m) => m.key === agent.user.id), {
      timeoutMs: 30_000,
      what: 'user.updated on Kafka',
    });
    expect((updated.json as { data: unknown }).data).toEqual({
      userId: agent.user.id,
      email: agent.user.email,
      name: agent.user.name,
      role: 'agent',
      disabled: true,
      changed: ['disabled'],
    });

    // The same event delivered again, and a second removal: nothing more is published.
    await publishAgentRemoved(agent.user.id, event.id);
    await publishAgentRemoved(agent.user.id);
    const marker = await signedIn(fx, 'agent');
    await publishAgentRemoved(marker.user.id);
    await eventually(() => collector.on('user.updated').some((m) => m.key === marker.user.id), { timeoutMs: 30_000, what: 'the marker' });
    expect(collector.on('user.updated').filter((m) => m.key === agent.user.id)).toHaveLength(1);
    expect(collector.on('agent.removed.dlq')).toHaveLength(0);
  });

  it('when the removed agent is unknown here, then nothing happens and the consumer moves on', async () => {
    await publishAgentRemoved(randomUUID());
    const marker = await signedIn(fx, 'agent');
    await publishAgentRemoved(marker.user.id);
    await eventually(() => collector.on('user.updated').some((m) => m.key === marker.user.id), { timeoutMs: 30_000, what: 'the marker' });
    expect(collector.on('agent.removed.dlq')).toHaveLength(0);
  });
});
