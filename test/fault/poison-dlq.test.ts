import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { buildEvent } from '@helmdesk/platform';
import { eventually, stackEnv } from '@helmdesk/testkit';
import {
  createAgent,
  kafka,
  recordFigures,
  registerCustomer,
  repoRoot,
  startFaultPlatform,
  type Account,
  type FaultPlatform,
} from './support';

/**
 * Poison events go to `<topic>.dlq` and the consumers move on; the operator's tool
 * (`npm run dlq -- list|replay <topic>`, run here as the real CLI) lists them and replays them,
 * each once.
 */
jest.setTimeout(240_000);

let fx: FaultPlatform;
let customer: Account;
let producer: Producer;
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  fx = await startFaultPlatform('poison');
  await createAgent(fx, 'ned', { capacity: 20 });
  customer = await registerCustomer(fx, 'ora');
  producer = kafka().producer();
  await producer.connect();
});

afterAll(async () => {
  recordFigures('poison-dlq', figures);
  await producer?.disconnect();
  await fx?.stop();
});

/** `npm run dlq -- <args>` against this test's topics. */
function dlq(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(
      'npm',
      ['run', '--silent', 'dlq', '--', ...args],
      {
        cwd: repoRoot,
        env: { ...process.env, KAFKA_BROKERS: stackEnv.kafkaBrokers.join(','), KAFKA_TOPIC_PREFIX: fx.prefix },
        timeout: 60_000,
      },
      (err, stdout, stderr) => res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

const dead = (topic: string) => fx.events.on(`${topic}.dlq`);

describe('a poison event', () => {
  const poisonId = randomUUID();

  it('goes to the DLQ of every consuming group, and the consumers carry on with the next events', async () => {
    // One on each partition, so whichever partition the next case lands on, it is behind poison.
    const caseId = randomUUID();
    const invalid = JSON.stringify({
      specversion: '1.0',
      id: poisonId,
      source: '/helmdesk/case',
      type: 'case.created',
      time: new Date().toISOString(),
      subject: caseId,
      datacontenttype: 'application/json',
      data: { caseId, priority: 'catastrophic' },
    });
    const messages = [0, 1, 2].flatMap((partition) => [
      { partition, key: caseId, value: invalid, headers: { 'content-type': 'application/cloudevents+json' } },
      { partition, key: 'garbage', value: `not json ${partition}` },
    ]);
    await producer.send({ topic: `${fx.prefix}case.created`, messages });

    const opened = await customer.client.post('/api/v1/cases', { subject: 'After the poison', description: 'still routed' });
    expect(opened.status).toBe(201);
    await eventually(async () => (await customer.client.get(`/api/v1/cases/${opened.body.id}`)).body.status === 'assigned', {
      what: 'the case opened after the poison assigned',
      timeoutMs: 30_000,
    });

    // agent and notification both consume case.created: 6 poison messages × 2 groups
    const letters = await eventually(() => (dead('case.created').length >= 12 ? dead('case.created') : undefined), {
      what: '12 dead letters',
      timeoutMs: 30_000,
    });
    expect(letters).toHaveLength(12);
    const groups = new Set(letters.map((l) => l.headers['x-dlq-consumer-group']));
    expect(groups).toEqual(new Set([`${fx.prefix}helmdesk.agent`, `${fx.prefix}helmdesk.notification`]));
    expect(letters.every((l) => l.headers['x-dlq-error'] && l.headers['x-dlq-original-topic'] === 'case.created')).toBe(true);
    // the history of the case opened after them is complete
    const history = (await customer.client.get(`/api/v1/cases/${opened.body.id}/history`)).body.items.map((h: any) => h.type);
    expect(history).toEqual(['case.created', 'case.assigned']);
    figures.poison = { poisonMessages: 6, deadLetters: letters.length, groups: [...groups].length, consumerContinued: true };
  });

  it('is listed by `npm run dlq -- list case.created`', async () => {
    const listed = await dlq('list', 'case.created');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain('dlq: 12 dead letter(s) on case.created.dlq not replayed yet');
    expect(listed.stdout).toContain(`event=${poisonId}`);
    expect(listed.stdout).toMatch(/error: .+/);
  });
});

describe('replaying dead letters', () => {
  const agentId = randomUUID();

  it('publishes each once: a dead-lettered event that applies now takes effect, and a second replay finds nothing', async () => {
    // A valid user.created the agent service could not apply back then (as if its handler had a
    // bug since fixed): it sits in user.created.dlq.
    const event = buildEvent('/helmdesk/auth', {
      type: 'user.created',
      subject: agentId,
      data: { userId: agentId, email: `rescued-${fx.run}@fault.test`, name: 'Rescued', role: 'agent', disabled: false, createdAt: new Date().toISOString() },
    });
    await producer.send({
      topic: `${fx.prefix}user.created.dlq`,
      messages: [
        {
          key: agentId,
          value: JSON.stringify(event),
          headers: {
            'content-type': 'application/cloudevents+json',
            'x-dlq-error': 'Error: the handler had a bug',
            'x-dlq-attempts': '5',
            'x-dlq-original-topic': 'user.created',
            'x-dlq-consumer-group': `${fx.prefix}helmdesk.agent`,
            'x-dlq-failed-at': new Date().toISOString(),
          },
        },
      ],
    });
    expect((await fx.admin.get(`/api/v1/agents/${agentId}`)).status).toBe(404);

    const listed = await dlq('list', 'user.created');
    expect(listed.stdout).toContain('dlq: 1 dead letter(s) on user.created.dlq not replayed yet');
    expect(listed.stdout).toContain(`event=${event.id}`);

    const replayed = await dlq('replay', 'user.created');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toContain('dlq: replayed 1 dead letter(s) from user.created.dlq to user.created');
    const profile = await eventually(
      async () => {
        const res = await fx.admin.get(`/api/v1/agents/${agentId}`);
        return res.status === 200 ? res.body : undefined;
      },
      { what: 'the rescued agent profile', timeoutMs: 30_000 },
    );
    expect(profile).toMatchObject({ id: agentId, name: 'Rescued', status: 'offline' });
    const onTopic = fx.events.on('user.created').filter((m) => m.key === agentId);
    expect(onTopic).toHaveLength(1);
    expect(onTopic[0]!.headers['x-dlq-replayed-from']).toMatch(/^\d+:\d+$/);
    expect(Object.keys(onTopic[0]!.headers).some((h) => h.startsWith('x-dlq-error'))).toBe(false);

    expect((await dlq('list', 'user.created')).stdout).toContain('dlq: 0 dead letter(s)');
    expect((await dlq('list', 'user.created', '--all')).stdout).toContain('dlq: 1 dead letter(s) on user.created.dlq\n');
    expect((await dlq('replay', 'user.created')).stdout).toContain('dlq: replayed 0 dead letter(s)');
    figures.replay = { listed: 1, replayed: 1, applied: true, secondReplay: 0 };
  });

  it('replays poison that still fails into the DLQ again, each message once, without stopping the consumers', async () => {
    const before = dead('case.created').length; // 6 messages × 2 groups
    const originals = new Set(dead('case.created').map((l) => `${l.headers['x-dlq-original-partition']}:${l.headers['x-dlq-original-offset']}`));
    expect(originals.size).toBe(6);
    const replayed = await dlq('replay', 'case.created');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(/dlq: replayed \d+ dead letter\(s\) from case.created.dlq to case.created/);
    const republished = () => fx.events.on('case.created').filter((m) => m.headers['x-dlq-replayed-from']);
    await eventually(() => republished().length >= originals.size, { what: 'the replayed messages on case.created', timeoutMs: 30_000 });
    // each of the two groups dead-letters every republished message again
    await eventually(() => dead('case.created').length >= before + republished().length * 2, {
      what: 'the replayed poison dead-lettered again',
      timeoutMs: 30_000,
    });
    const opened = await customer.client.post('/api/v1/cases', { subject: 'After the replay', description: 'still routed' });
    await eventually(async () => (await customer.client.get(`/api/v1/cases/${opened.body.id}`)).body.status === 'assigned', {
      what: 'the case opened after the replay assigned',
      timeoutMs: 30_000,
    });
    const again = dead('case.created').length - before;
    expect((await dlq('list', 'case.created')).stdout).toContain(`dlq: ${again} dead letter(s) on case.created.dlq not replayed yet`);
    figures.replayPoison = { deadLetters: before, distinctMessages: originals.size, republished: republished().length, deadLetteredAgain: again };
    // A message two groups dead-lettered is one message: a replay publishes it once, not once
    // per group (else each replay of unfixed poison doubles it, and every consumer sees it twice).
    expect(republished()).toHaveLength(originals.size);
    expect(again).toBe(originals.size * 2);
  });
});
