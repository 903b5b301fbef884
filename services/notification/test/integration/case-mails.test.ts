import { randomUUID } from 'node:crypto';
import { buildEvent } from '@helmdesk/platform';
import { eventually } from '@helmdesk/testkit';
import { applyCaseEvents, caseMails } from '../../src/events/enqueue-mails';
import { caseOpened, statusChanged } from '../../src/store/cases';
import type { NotificationService } from '../../src/service';
import { api, serviceFixture, startService } from '../support/service';

jest.setTimeout(120_000);

const fx = serviceFixture('notif_mails');

/** Waits until the consumer has passed a marker case (so anything before it is handled). */
async function consumerPassed(customerId: string, email: string): Promise<void> {
  const { caseId } = await fx.events.caseCreated(customerId, 'marker');
  await eventually(() => fx.sink.to(email).some((m) => m.text.includes(caseId)), { what: 'the marker mail', timeoutMs: 20_000 });
}

async function queuedCount(): Promise<number> {
  const res = await api(fx.service).get('/api/v1/notifications?status=queued&limit=100').expect(200);
  return res.body.items.length;
}

describe('case mails', () => {
  it('when a case is opened, assigned and resolved, then the customer gets three mails and the agent one, rendered from the templates', async () => {
    const customer = await fx.events.user('customer', 'Ada Lovelace', 'ada@example.com');
    const agent = await fx.events.user('agent', 'Grace Hopper', 'grace@example.com');
    const { caseId } = await fx.events.caseCreated(customer.id, 'Printer <b>on fire</b> & smoking', new Date(), 'high');
    await fx.events.caseAssigned(caseId, agent.id);
    await fx.events.caseResolved(caseId, agent.id, 'Replaced the fuser.');

    await eventually(() => fx.sink.to(customer.email).length >= 3 && fx.sink.to(agent.email).length >= 1, {
      what: 'four mails',
      timeoutMs: 20_000,
    });
    await eventually(async () => (await queuedCount()) === 0, { what: 'nothing queued' });

    // The three topics are consumed independently: the mails' order is not guaranteed.
    const mail = (subjectStart: string) => fx.sink.to(customer.email).find((m) => m.subject.startsWith(subjectStart));
    const [opened, assigned, resolved] = [mail('We received'), mail('Grace Hopper is working'), mail('Your case has been resolved')];
    expect(fx.sink.to(customer.email)).toHaveLength(3);
    expect(fx.sink.to(agent.email)).toHaveLength(1);

    expect(opened!.subject).toBe('We received your case: Printer <b>on fire</b> & smoking');
    expect(opened!.text).toContain('Hello Ada Lovelace,');
    expect(opened!.text).toContain('Your case "Printer <b>on fire</b> & smoking" (priority high) is open');
    expect(opened!.text).toContain(`Case reference: ${caseId}`);
    expect(opened!.html).toContain('Printer &lt;b&gt;on fire&lt;/b&gt; &amp; smoking');
    expect(opened!.html).not.toContain('<b>on fire</b>');
    expect(opened!.headers.from).toBe('Helmdesk <no-reply@helmdesk.local>');

    expect(assigned!.subject).toBe('Grace Hopper is working on your case: Printer <b>on fire</b> & smoking');
    expect(resolved!.subject).toBe('Your case has been resolved: Printer <b>on fire</b> & smoking');
    expect(resolved!.text).toContain('Resolution: Replaced the fuser.');

    const [toAgent] = fx.sink.to(agent.email);
    expect(toAgent!.subject).toBe('New case assigned to you: Printer <b>on fire</b> & smoking');
    expect(toAgent!.text).toContain('Hello Grace Hopper,');
    expect(toAgent!.text).toContain('from Ada Lovelace (priority high)');
  });

  it('logs every mail with its template, recipient and the Message-ID it was sent with', async () => {
    const res = await api(fx.service).get('/api/v1/notifications?recipient=ADA@example.com&channel=email').expect(200);
    expect(res.body.items.map((i: { template: string }) => i.template).sort()).toEqual([
      'case.assigned.customer',
      'case.opened.customer',
      'case.resolved.customer',
    ]);
    for (const item of res.body.items) {
      // lastError may tell that a mail waited for its recipient's user.created (topics are not ordered).
      expect(item).toMatchObject({ channel: 'email', recipient: 'ada@example.com', status: 'sent', attempts: 1 });
      expect(Object.keys(item).sort()).toEqual(
        ['attempts', 'channel', 'createdAt', 'event', 'eventId', 'id', 'lastError', 'recipient', 'sentAt', 'status', 'template'].sort(),
      );
      expect(fx.sink.mails.filter((m) => m.messageId === `<${item.id}@helmdesk.local>`)).toHaveLength(1);
    }
    expect(res.body.items.map((i: { event: string }) => i.event).sort()).toEqual(['case.assigned', 'case.created', 'case.resolved']);
  });

  it('when the same event is delivered twice, then its mail is sent once', async () => {
    const customer = await fx.events.user('customer', 'Twice Customer', 'twice@example.com');
    const { caseId, event } = await fx.events.caseCreated(customer.id, 'Delivered twice');
    await fx.events.send(event);
    await fx.events.send(event);
    // Its mail may wait for the recipient's user.created (topics are not ordered): wait for it,
    // then for a later marker, so a second copy would have had time to arrive too.
    await eventually(() => fx.sink.to(customer.email).some((m) => m.text.includes(caseId)), { what: 'the mail', timeoutMs: 20_000 });
    await consumerPassed(customer.id, customer.email);
    expect(fx.sink.to(customer.email).filter((m) => m.text.includes(caseId))).toHaveLength(1);
  });

  it('when a mail arrives before the recipient is known, then it waits for the user.created and is sent then', async () => {
    const { randomUUID } = await import('node:crypto');
    const customerId = randomUUID();
    const { caseId } = await fx.events.caseCreated(customerId, 'Before the user');
    await eventually(
      async () => {
        const res = await api(fx.service).get('/api/v1/notifications?event=case.created&status=queued').expect(200);
        return res.body.items.find((i: { recipient: string; lastError: string | null }) => i.recipient === `user ${customerId}` && i.lastError);
      },
      { what: 'the mail waiting for its recipient' },
    );
    await fx.events.publish('user.created', customerId, {
      userId: customerId,
      email: 'late@example.com',
      name: 'Late Lamport',
      role: 'customer',
      disabled: false,
      createdAt: new Date().toISOString(),
    });
    await eventually(() => fx.sink.to('late@example.com').some((m) => m.text.includes(caseId)), { what: 'the late mail', timeoutMs: 20_000 });
    const res = await api(fx.service).get('/api/v1/notifications?recipient=late@example.com').expect(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ status: 'sent', attempts: 1, lastError: `customer ${customerId} is not known yet` });
  });

  it('when the service restarts and every event is delivered again, then nobody gets a second mail', async () => {
    const customer = await fx.events.user('customer', 'Restart Customer', 'restart@example.com');
    const agent = await fx.events.user('agent', 'Restart Agent', 'restart-agent@example.com');
    const opened = await fx.events.caseCreated(customer.id, 'Across a restart');
    const assigned = await fx.events.caseAssigned(opened.caseId, agent.id);
    await eventually(() => fx.sink.to(customer.email).length === 2 && fx.sink.to(agent.email).length === 1, {
      what: 'the first mails',
      timeoutMs: 20_000,
    });

    await fx.service.stop();
    fx.service = await startService(fx.env, fx.sink.url);
    await fx.events.send(opened.event);
    await fx.events.send(assigned);
    await consumerPassed(customer.id, customer.email);

    expect(fx.sink.to(customer.email).filter((m) => m.text.includes(opened.caseId))).toHaveLength(2);
    expect(fx.sink.to(agent.email)).toHaveLength(1);
    expect(fx.service.consumer.runner.counts.duplicate).toBeGreaterThanOrEqual(2);
  });

  it('when the consumer crashes after its transaction but before the offset commit, then the event comes again and its mail is still sent once', async () => {
    const customer = await fx.events.user('customer', 'Crash Customer', 'crash@example.com');
    await consumerPassed(customer.id, customer.email);
    await fx.service.stop();

    let crashed = false;
    let crashing: NotificationService | null = null;
    crashing = await startService(fx.env, fx.sink.url, {}, {
      afterCommit: (event) => {
        if (crashed || event.type !== 'case.created' || (event.data as { subject: string }).subject !== 'Crash before commit') return;
        crashed = true;
        void crashing!.consumer.stop(); // the process dies: nothing after this commits the offset
        throw new Error('simulated crash between the transaction and the offset commit');
      },
    });
    const { caseId } = await fx.events.caseCreated(customer.id, 'Crash before commit');
    await eventually(() => crashed, { what: 'the crash', timeoutMs: 20_000 });
    await eventually(() => fx.sink.to(customer.email).some((m) => m.text.includes(caseId)), { what: 'the mail', timeoutMs: 20_000 });
    await crashing.stop();

    fx.service = await startService(fx.env, fx.sink.url);
    await consumerPassed(customer.id, customer.email);
    expect(fx.service.consumer.runner.counts.duplicate).toBeGreaterThanOrEqual(1);
    expect(fx.sink.to(customer.email).filter((m) => m.text.includes(caseId))).toHaveLength(1);
  });

  it('when one fetch brings events of several cases, then they are written together, and a second event of a case applies after the first', async () => {
    const customer = await fx.events.user('customer', 'Batch Customer', 'batch-customer@example.com');
    const [first, second] = [await fx.events.user('agent', 'First Agent', 'first@example.com'), await fx.events.user('agent', 'Second Agent', 'second@example.com')];
    await consumerPassed(customer.id, customer.email);
    const db = fx.service.host.db;
    await eventually(async () => (await db.selectFrom('user_projection').select('id').where('id', 'in', [first.id, second.id]).execute()).length === 2, {
      what: 'the agents known',
    });
    const t0 = Date.now();
    const assigned = (caseId: string, agentId: string, at: number) =>
      buildEvent('/helmdesk/agent', { type: 'case.assigned', subject: caseId, data: { caseId, agentId, how: 'auto', assignedAt: new Date(at).toISOString() } });
    const [a, b] = [randomUUID(), randomUUID()];
    const batch = [
      buildEvent('/helmdesk/case', { type: 'case.created', subject: a, data: { caseId: a, customerId: customer.id, subject: 'Case A', priority: 'normal', createdAt: new Date(t0).toISOString() } }),
      buildEvent('/helmdesk/case', { type: 'case.created', subject: b, data: { caseId: b, customerId: customer.id, subject: 'Case B', priority: 'high', createdAt: new Date(t0).toISOString() } }),
      assigned(a, first.id, t0 + 1_000),
      assigned(b, first.id, t0 + 1_000),
      assigned(a, second.id, t0 + 2_000), // the same case again: it must apply after the first assignment
    ];
    await db.transaction().execute((trx) =>
      applyCaseEvents(
        trx,
        batch.map((event) =>
          event.type === 'case.created'
            ? {
                caseId: event.data.caseId,
                projection: caseOpened({ ...event.data, createdAt: new Date(event.data.createdAt) }, { eventId: event.id, kind: 'opened' }),
                mails: caseMails(event, { caseId: event.data.caseId }, event.data.customerId),
              }
            : {
                caseId: event.data.caseId,
                projection: statusChanged(
                  { caseId: event.data.caseId, status: 'assigned', at: new Date(event.data.assignedAt), assigneeId: event.data.agentId, assignedAt: new Date(event.data.assignedAt) },
                  { eventId: event.id, kind: 'assigned' },
                ),
                mails: caseMails(event, { caseId: event.data.caseId, agentId: event.data.agentId, assignedAt: event.data.assignedAt }, null),
              },
        ),
      ),
    );
    const projections = await db.selectFrom('case_projection').select(['id', 'subject', 'status', 'assignee_id']).where('id', 'in', [a, b]).orderBy('subject').execute();
    expect(projections).toEqual([
      { id: a, subject: 'Case A', status: 'assigned', assignee_id: second.id },
      { id: b, subject: 'Case B', status: 'assigned', assignee_id: first.id },
    ]);
    const deliveries = await db.selectFrom('delivery').select(['event_id', 'audience', 'recipient']).where('event_id', 'in', batch.map((e) => e.id)).execute();
    expect(deliveries.map((d) => `${d.event_id}:${d.audience}:${d.recipient}`).sort()).toEqual(
      [
        `${batch[0]!.id}:customer:${customer.email}`,
        `${batch[1]!.id}:customer:${customer.email}`,
        ...[2, 3, 4].map((i) => `${batch[i]!.id}:customer:${customer.email}`),
        `${batch[2]!.id}:agent:${first.email}`,
        `${batch[3]!.id}:agent:${first.email}`,
        `${batch[4]!.id}:agent:${second.email}`,
      ].sort(),
    );
    await eventually(() => fx.sink.to(second.email).some((m) => m.subject === 'New case assigned to you: Case A'), { what: 'the mails sent' });
  });
});
