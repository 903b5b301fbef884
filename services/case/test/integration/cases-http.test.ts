import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { sql, type Kysely } from 'kysely';
import { encodeCursor, Outbox, type PlatformTables } from '@helmdesk/platform';
import { openCase as openCaseInStore, saveLifecycles } from '../../src/store/cases';
import { historyInsert } from '../../src/store/history';
import { startCaseService, type CaseServiceFixture } from './fixture';

jest.setTimeout(60_000);

let fx: CaseServiceFixture;
const api = () => request(fx.svc.app);

type Minted = ReturnType<CaseServiceFixture['auth']['mint']>;
let alice: Minted; // a customer
let bob: Minted; // another customer
let agent: Minted;
let otherAgent: Minted;
let admin: Minted;

beforeAll(async () => {
  fx = await startCaseService({ running: false });
  alice = fx.auth.mint('customer');
  bob = fx.auth.mint('customer');
  agent = fx.auth.mint('agent');
  otherAgent = fx.auth.mint('agent');
  admin = fx.auth.mint('admin');
});

afterAll(async () => {
  await fx.stop();
});

const problem = /^application\/problem\+json/;

async function openCase(who: Minted, body: Record<string, unknown> = {}) {
  const res = await api()
    .post('/api/v1/cases')
    .set('authorization', who.header)
    .send({ subject: 'Printer on fire', description: 'It smokes when I print.', ...body });
  expect(res.status).toBe(201);
  return res.body as { id: string; status: string; createdAt: string; [k: string]: unknown };
}

/** What the agent service's events would do, written through the store. */
async function assignTo(caseId: string, agentId: string, status: 'assigned' | 'resolved' = 'assigned') {
  const at = new Date();
  await saveLifecycles(
    fx.svc.host.db,
    new Map([
      [
        caseId,
        {
          status,
          assigneeId: agentId,
          assignedAt: at,
          resolvedAt: status === 'resolved' ? at : null,
          resolution: status === 'resolved' ? 'done' : null,
          statusAt: at,
        },
      ],
    ]),
  );
}

/** (createdAt desc, id desc): the list order. */
function newestFirst(a: { id: string; createdAt: string }, b: { id: string; createdAt: string }): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

async function collectPages(path: string, who: Minted, limit: number): Promise<{ id: string; createdAt: string }[]> {
  const items: { id: string; createdAt: string }[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 100; page++) {
    const res: request.Response = await api()
      .get(path)
      .query({ limit, ...(cursor ? { cursor } : {}) })
      .set('authorization', who.header);
    expect(res.status).toBe(200);
    expect(res.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('pagination never ended');
}

describe('opening a case', () => {
  it('when a customer opens a case, then it is open, theirs, unassigned and normal priority by default', async () => {
    const res = await api()
      .post('/api/v1/cases')
      .set('authorization', alice.header)
      .send({ subject: '  Cannot log in  ', description: 'The login page spins forever.' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      subject: 'Cannot log in',
      description: 'The login page spins forever.',
      priority: 'normal',
      status: 'open',
      customerId: alice.userId,
      assigneeId: null,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      assignedAt: null,
      resolvedAt: null,
      resolution: null,
    });
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
    const got = await api().get(`/api/v1/cases/${res.body.id}`).set('authorization', alice.header);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('when a case is opened, then its case.created outbox row and its history entry are written with it, at the same instant', async () => {
    const res = await api().post('/api/v1/cases').set('authorization', alice.header).send({ subject: 'Atomic', description: 'One statement.' });
    expect(res.status).toBe(201);
    const db = fx.svc.host.database.db;
    const outbox = await sql<{ payload: { id: string; time: string; data: { caseId: string; createdAt: string } } }>`
      select payload from outbox where key = ${res.body.id} and topic = 'case.created'`.execute(db);
    expect(outbox.rows).toHaveLength(1);
    const event = outbox.rows[0]!.payload;
    expect(event.data).toMatchObject({ caseId: res.body.id, createdAt: res.body.createdAt });
    expect(event.time).toBe(res.body.createdAt);
    const history = await sql<{ type: string; at: Date; event_id: string }>`
      select type, at, event_id from history where case_id = ${res.body.id}`.execute(db);
    expect(history.rows).toEqual([{ type: 'case.created', at: new Date(res.body.createdAt), event_id: event.id }]);
  });

  it('when the subject holds a lone UTF-16 surrogate, then the case is opened with U+FFFD in its place, in the case and in its event', async () => {
    const res = await api()
      .post('/api/v1/cases')
      .set('authorization', alice.header)
      .set('content-type', 'application/json')
      .send('{"subject":"Broken \\ud800 text","description":"d"}');
    expect(res.status).toBe(201);
    expect(res.body.subject).toBe('Broken \uFFFD text');
    const { rows } = await sql<{ payload: { data: { subject: string } } }>`
      select payload from outbox where key = ${res.body.id}`.execute(fx.svc.host.database.db);
    expect(rows[0]!.payload.data.subject).toBe('Broken \uFFFD text');
  });

  it('when one part of opening a case fails, then none of it is written', async () => {
    const db = fx.svc.host.database.db;
    const count = async (table: 'cases' | 'outbox') => (await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db)).rows[0]!.n;
    const before = { cases: await count('cases'), outbox: await count('outbox') };
    const id = randomUUID();
    const { insert: event } = new Outbox('/helmdesk/case').insertion(db as unknown as Kysely<PlatformTables>, [
      { type: 'case.created', subject: id, data: { caseId: id, customerId: alice.userId, subject: 'Never', priority: 'normal', createdAt: new Date().toISOString() } },
    ]);
    // A history entry of a case that does not exist breaks its foreign key at the end of the statement.
    const orphan = historyInsert(db, randomUUID(), { type: 'case.created', at: new Date(), actorId: alice.userId, data: {}, eventId: randomUUID() });
    await expect(
      openCaseInStore(db, { id, subject: 'Never', description: 'Rolled back', priority: 'normal', customerId: alice.userId, createdAt: new Date() }, [event, orphan]),
    ).rejects.toThrow(/foreign key/);
    expect({ cases: await count('cases'), outbox: await count('outbox') }).toEqual(before);
  });

  it('when a priority is given, then the case has it', async () => {
    expect((await openCase(alice, { priority: 'urgent' })).priority).toBe('urgent');
  });

  it('when an agent or an admin tries to open a case, then it is refused with 403', async () => {
    for (const who of [agent, admin]) {
      const res = await api().post('/api/v1/cases').set('authorization', who.header).send({ subject: 's', description: 'd' });
      expect(res.status).toBe(403);
      expect(res.headers['content-type']).toMatch(problem);
    }
  });

  it('when there is no or a bad token, then it is 401', async () => {
    expect((await api().post('/api/v1/cases').send({ subject: 's', description: 'd' })).status).toBe(401);
    expect((await api().get('/api/v1/cases').set('authorization', 'Bearer not.a.token')).status).toBe(401);
  });

  const longText = (n: number) => 'x'.repeat(n);
  it.each([
    ['a missing subject', { description: 'd' }, 'body.subject'],
    ['a missing description', { subject: 's' }, 'body.description'],
    ['an empty subject', { subject: '', description: 'd' }, 'body.subject'],
    ['a blank subject', { subject: '   ', description: 'd' }, 'body.subject'],
    ['a blank description', { subject: 's', description: ' \n\t ' }, 'body.description'],
    ['a subject of 201 characters', { subject: longText(201), description: 'd' }, 'body.subject'],
    ['a description of 10001 characters', { subject: 's', description: longText(10_001) }, 'body.description'],
    ['a numeric subject', { subject: 42, description: 'd' }, 'body.subject'],
    ['a null description', { subject: 's', description: null }, 'body.description'],
    ['an unknown priority', { subject: 's', description: 'd', priority: 'critical' }, 'body.priority'],
    ['a priority of the wrong type', { subject: 's', description: 'd', priority: 3 }, 'body.priority'],
    ['a NUL character', { subject: 's', description: 'a\u0000b' }, 'body.description'],
    ['a status', { subject: 's', description: 'd', status: 'resolved' }, 'body.status'],
    ['an assignee', { subject: 's', description: 'd', assigneeId: randomUUID() }, 'body.assigneeId'],
    ['a role', { subject: 's', description: 'd', role: 'admin' }, 'body.role'],
    ['a customer id', { subject: 's', description: 'd', customerId: randomUUID() }, 'body.customerId'],
  ])('when the body has %s, then it is 400 naming the field', async (_what, body, path) => {
    const res = await api().post('/api/v1/cases').set('authorization', alice.header).send(body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(problem);
    expect(res.body).toMatchObject({ status: 400, title: expect.any(String), type: expect.any(String), detail: expect.any(String) });
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('when the longest allowed subject and description are sent, then the case is opened', async () => {
    const c = await openCase(alice, { subject: longText(200), description: longText(10_000) });
    expect((c.subject as string).length).toBe(200);
  });

  it.each([
    ['an array', [{ subject: 's', description: 'd' }]],
    ['a string', '"hello"'],
    ['nothing', undefined],
  ])('when the body is %s, then it is 400', async (_what, body) => {
    const req = api().post('/api/v1/cases').set('authorization', alice.header);
    const res = body === undefined ? await req : await req.set('content-type', 'application/json').send(body as never);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(problem);
  });

  it('when the body is not valid JSON, then it is 400; not JSON at all, 415; over 1 MiB, 413', async () => {
    const malformed = await api()
      .post('/api/v1/cases')
      .set('authorization', alice.header)
      .set('content-type', 'application/json')
      .send('{"subject": ');
    expect(malformed.status).toBe(400);
    const notJson = await api()
      .post('/api/v1/cases')
      .set('authorization', alice.header)
      .set('content-type', 'text/plain')
      .send('subject=hi');
    expect(notJson.status).toBe(415);
    const huge = await api()
      .post('/api/v1/cases')
      .set('authorization', alice.header)
      .send({ subject: 's', description: longText(1_100_000) });
    expect(huge.status).toBe(413);
    for (const res of [malformed, notJson, huge]) expect(res.headers['content-type']).toMatch(problem);
  });
});

describe('Idempotency-Key on opening a case', () => {
  const body = { subject: 'Refund', description: 'Charged twice.' };

  async function countOwnCases(who: Minted): Promise<number> {
    return (await collectPages('/api/v1/cases', who, 100)).length;
  }

  it('when the same key and body are sent again, then the same case comes back and nothing new is created', async () => {
    const carol = fx.auth.mint('customer');
    const key = randomUUID();
    const first = await api().post('/api/v1/cases').set('authorization', carol.header).set('idempotency-key', key).send(body);
    const again = await api().post('/api/v1/cases').set('authorization', carol.header).set('idempotency-key', key).send(body);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await countOwnCases(carol)).toBe(1);
  });

  it('when the same key comes with a different body, then it is 422 and nothing is created', async () => {
    const carol = fx.auth.mint('customer');
    const key = randomUUID();
    await api().post('/api/v1/cases').set('authorization', carol.header).set('idempotency-key', key).send(body).expect(201);
    const other = await api()
      .post('/api/v1/cases')
      .set('authorization', carol.header)
      .set('idempotency-key', key)
      .send({ ...body, priority: 'high' });
    expect(other.status).toBe(422);
    expect(other.headers['content-type']).toMatch(problem);
    expect(await countOwnCases(carol)).toBe(1);
  });

  it('when another customer uses the same key, then it is their own new case', async () => {
    const key = randomUUID();
    const carol = fx.auth.mint('customer');
    const dave = fx.auth.mint('customer');
    const a = await api().post('/api/v1/cases').set('authorization', carol.header).set('idempotency-key', key).send(body);
    const b = await api().post('/api/v1/cases').set('authorization', dave.header).set('idempotency-key', key).send(body);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
    expect(b.body.customerId).toBe(dave.userId);
  });

  it('when the same request is sent many times at once, then exactly one case exists and the others are replays or 409 (in flight)', async () => {
    const carol = fx.auth.mint('customer');
    const key = randomUUID();
    const responses = await Promise.all(
      Array.from({ length: 8 }, () =>
        api().post('/api/v1/cases').set('authorization', carol.header).set('idempotency-key', key).send(body),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    expect(new Set(responses.filter((r) => r.status === 201).map((r) => r.body.id)).size).toBe(1);
    expect(await countOwnCases(carol)).toBe(1);
  });

  it('when a request without a key is repeated, then two cases are opened', async () => {
    const carol = fx.auth.mint('customer');
    await openCase(carol);
    await openCase(carol);
    expect(await countOwnCases(carol)).toBe(2);
  });
});

describe('who sees a case', () => {
  let waiting: string;
  let assigned: string;
  let resolvedCase: string;

  beforeAll(async () => {
    waiting = (await openCase(alice)).id;
    assigned = (await openCase(alice)).id;
    resolvedCase = (await openCase(alice)).id;
    await assignTo(assigned, agent.userId);
    await assignTo(resolvedCase, agent.userId, 'resolved');
  });

  const paths = (id: string) => [`/api/v1/cases/${id}`, `/api/v1/cases/${id}/comments`, `/api/v1/cases/${id}/history`];

  async function statusesFor(who: Minted, id: string): Promise<number[]> {
    return Promise.all(paths(id).map(async (p) => (await api().get(p).set('authorization', who.header)).status));
  }

  it('its customer sees it in every state', async () => {
    for (const id of [waiting, assigned, resolvedCase]) expect(await statusesFor(alice, id)).toEqual([200, 200, 200]);
  });

  it('another customer gets 404, as for a case that does not exist', async () => {
    for (const id of [waiting, assigned, resolvedCase]) {
      expect(await statusesFor(bob, id)).toEqual([404, 404, 404]);
    }
    const notYours = await api().get(`/api/v1/cases/${waiting}`).set('authorization', bob.header);
    const missing = await api().get(`/api/v1/cases/${randomUUID()}`).set('authorization', bob.header);
    expect(notYours.body.title).toBe(missing.body.title);
    expect(notYours.body.type).toBe(missing.body.type);
    expect(notYours.headers['content-type']).toMatch(problem);
  });

  it('any agent sees it while it waits in the queue', async () => {
    expect(await statusesFor(otherAgent, waiting)).toEqual([200, 200, 200]);
  });

  it('once assigned, only its agent sees it; another agent gets 404', async () => {
    expect(await statusesFor(agent, assigned)).toEqual([200, 200, 200]);
    expect(await statusesFor(otherAgent, assigned)).toEqual([404, 404, 404]);
  });

  it('once resolved, the agent who had it still sees it; another agent gets 404', async () => {
    expect(await statusesFor(agent, resolvedCase)).toEqual([200, 200, 200]);
    expect(await statusesFor(otherAgent, resolvedCase)).toEqual([404, 404, 404]);
  });

  it('an admin sees every case', async () => {
    for (const id of [waiting, assigned, resolvedCase]) expect(await statusesFor(admin, id)).toEqual([200, 200, 200]);
  });

  it('an id that is not a UUID is 400 on every case route', async () => {
    for (const p of paths('not-a-uuid')) {
      const res = await api().get(p).set('authorization', admin.header);
      expect(res.status).toBe(400);
      expect(res.body.errors[0].path).toBe('params.id');
    }
    const post = await api().post('/api/v1/cases/123/comments').set('authorization', admin.header).send({ body: 'hi' });
    expect(post.status).toBe(400);
  });
});

describe('comments', () => {
  let caseId: string;
  beforeAll(async () => {
    caseId = (await openCase(alice)).id;
  });

  const comment = (who: Minted, id: string, body: unknown) =>
    api().post(`/api/v1/cases/${id}/comments`).set('authorization', who.header).send(body as object);

  it('when the customer comments, then the comment is theirs with their role', async () => {
    const res = await comment(alice, caseId, { body: 'Any news?' });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.any(String),
      caseId,
      authorId: alice.userId,
      authorRole: 'customer',
      body: 'Any news?',
      createdAt: expect.any(String),
    });
  });

  it('when an agent who only sees the waiting case comments, then it is 403; another customer gets 404', async () => {
    const fresh = (await openCase(alice)).id;
    expect((await comment(otherAgent, fresh, { body: 'hello' })).status).toBe(403);
    expect((await comment(bob, fresh, { body: 'hello' })).status).toBe(404);
    expect((await comment(bob, randomUUID(), { body: 'hello' })).status).toBe(404);
  });

  it('when the assigned agent and an admin comment, then both comments are listed after the customer, oldest first', async () => {
    const id = (await openCase(alice)).id;
    await assignTo(id, agent.userId);
    await comment(alice, id, { body: 'first' }).expect(201);
    await comment(agent, id, { body: 'second' }).expect(201);
    await comment(admin, id, { body: 'third' }).expect(201);
    expect((await comment(otherAgent, id, { body: 'not mine' })).status).toBe(404);
    const list = await api().get(`/api/v1/cases/${id}/comments`).set('authorization', alice.header);
    expect(list.status).toBe(200);
    expect(list.body.nextCursor).toBeNull();
    expect(list.body.items.map((c: { body: string; authorRole: string }) => [c.body, c.authorRole])).toEqual([
      ['first', 'customer'],
      ['second', 'agent'],
      ['third', 'admin'],
    ]);
  });

  it('when a comment is added, then the case counts as updated', async () => {
    const c = await openCase(alice);
    const added = await comment(alice, c.id, { body: 'bump' });
    const after = await api().get(`/api/v1/cases/${c.id}`).set('authorization', alice.header);
    expect(after.body.updatedAt).toBe(added.body.createdAt);
    expect(new Date(after.body.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(c.updatedAt as string).getTime());
  });

  it.each([
    ['no body field', {}, 'body.body'],
    ['an empty body', { body: '' }, 'body.body'],
    ['a blank body', { body: '   ' }, 'body.body'],
    ['a body of 10001 characters', { body: 'x'.repeat(10_001) }, 'body.body'],
    ['a numeric body', { body: 7 }, 'body.body'],
    ['an extra field', { body: 'ok', authorId: randomUUID() }, 'body.authorId'],
  ])('when a comment has %s, then it is 400 naming the field', async (_what, body, path) => {
    const res = await comment(alice, caseId, body);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(problem);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('when a comment is posted twice with the same Idempotency-Key, then it is stored once', async () => {
    const id = (await openCase(alice)).id;
    const key = randomUUID();
    const send = (body: string) =>
      api().post(`/api/v1/cases/${id}/comments`).set('authorization', alice.header).set('idempotency-key', key).send({ body });
    const first = await send('once');
    const again = await send('once');
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect((await send('different')).status).toBe(422);
    const list = await api().get(`/api/v1/cases/${id}/comments`).set('authorization', alice.header);
    expect(list.body.items).toHaveLength(1);
  });

  it('when there are more comments than a page, then the pages hold each one once, oldest first', async () => {
    const id = (await openCase(alice)).id;
    for (let i = 0; i < 12; i++) await comment(alice, id, { body: `comment ${i}` }).expect(201);
    const items = (await collectPages(`/api/v1/cases/${id}/comments`, alice, 5)) as unknown as { body: string }[];
    expect(items.map((c) => c.body)).toEqual(Array.from({ length: 12 }, (_, i) => `comment ${i}`));
  });

  it('when the comments cursor is not one the server issued, then it is 400', async () => {
    for (const cursor of ['garbage', encodeCursor(['2026-01-01T00:00:00.000Z', randomUUID()]), encodeCursor([-1])]) {
      const res = await api().get(`/api/v1/cases/${caseId}/comments`).query({ cursor }).set('authorization', alice.header);
      expect(res.status).toBe(400);
    }
  });
});

describe('history through HTTP', () => {
  it('when a case is opened and commented on, then its history lists both, in order, with who did them', async () => {
    const c = await openCase(alice, { subject: 'History please', priority: 'high' });
    const added = await api()
      .post(`/api/v1/cases/${c.id}/comments`)
      .set('authorization', alice.header)
      .send({ body: 'more detail' });
    const res = await api().get(`/api/v1/cases/${c.id}/history`).set('authorization', admin.header);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { type: 'case.created', at: c.createdAt, actorId: alice.userId, data: { subject: 'History please', priority: 'high' } },
        {
          type: 'case.commented',
          at: added.body.createdAt,
          actorId: alice.userId,
          data: { commentId: added.body.id, authorRole: 'customer' },
        },
      ],
    });
  });
});

describe('listing cases', () => {
  let erin: Minted;
  let listAgent: Minted;
  const opened: string[] = [];

  beforeAll(async () => {
    erin = fx.auth.mint('customer');
    listAgent = fx.auth.mint('agent');
    const priorities = ['low', 'normal', 'high', 'urgent'] as const;
    for (let i = 0; i < 25; i++) {
      opened.push((await openCase(erin, { subject: `case ${i}`, priority: priorities[i % 4] })).id);
    }
    for (const id of opened.slice(0, 6)) await assignTo(id, listAgent.userId);
    for (const id of opened.slice(0, 2)) await assignTo(id, listAgent.userId, 'resolved');
  });

  it('when a customer pages through more cases than a page, then each case appears once, newest first', async () => {
    const items = await collectPages('/api/v1/cases', erin, 7);
    expect(items.map((c) => c.id).sort()).toEqual([...opened].sort());
    expect(items).toEqual([...items].sort(newestFirst));
    // Opened one after the other: newest first is the reverse of opening order, but for cases
    // opened within the same millisecond, whose order is by id.
    expect(items.at(-1)!.createdAt <= items[0]!.createdAt).toBe(true);
  });

  it('when cases share a creation instant, then pages still neither repeat nor skip any', async () => {
    const frank = fx.auth.mint('customer');
    const ids = (await Promise.all(Array.from({ length: 15 }, () => openCase(frank)))).map((c) => c.id);
    // created_at is never updated by the service; the test moves them onto one instant.
    await sql`update cases set created_at = '2026-11-23T12:00:00.000Z' where id = any(${ids}::uuid[])`.execute(fx.svc.host.db);
    const items = await collectPages('/api/v1/cases', frank, 4);
    expect(items.map((c) => c.id).sort()).toEqual([...ids].sort());
    expect(new Set(items.map((c) => c.id)).size).toBe(15);
  });

  it('a customer sees only its own cases', async () => {
    const items = await collectPages('/api/v1/cases', erin, 100);
    expect(items).toHaveLength(25);
    expect(items.every((c) => (c as unknown as { customerId: string }).customerId === erin.userId)).toBe(true);
  });

  it('an agent sees the cases assigned to it, not the waiting ones', async () => {
    const items = await collectPages('/api/v1/cases', listAgent, 100);
    expect(items.map((c) => c.id).sort()).toEqual(opened.slice(0, 6).sort());
  });

  it('an admin sees all cases and may filter by customer and assignee', async () => {
    const all = await collectPages('/api/v1/cases', admin, 100);
    expect(all.length).toBeGreaterThan(25);
    const erins = await collectPages(`/api/v1/cases?customerId=${erin.userId}`, admin, 100);
    expect(erins.map((c) => c.id).sort()).toEqual([...opened].sort());
    const agents = await collectPages(`/api/v1/cases?assigneeId=${listAgent.userId}`, admin, 100);
    expect(agents.map((c) => c.id).sort()).toEqual(opened.slice(0, 6).sort());
  });

  it('filters by status and priority, alone and together', async () => {
    const list = async (query: string, who = erin) =>
      (await collectPages(`/api/v1/cases?${query}`, who, 100)) as unknown as { id: string; status: string; priority: string }[];
    expect((await list('status=open')).map((c) => c.id).sort()).toEqual(opened.slice(6).sort());
    expect((await list('status=assigned')).map((c) => c.id).sort()).toEqual(opened.slice(2, 6).sort());
    expect((await list('status=resolved')).map((c) => c.id).sort()).toEqual(opened.slice(0, 2).sort());
    const urgent = await list('priority=urgent');
    expect(urgent).toHaveLength(6);
    expect(urgent.every((c) => c.priority === 'urgent')).toBe(true);
    const openLow = await list(`status=open&priority=low&customerId=${erin.userId}`, admin);
    expect(openLow.map((c) => c.id).sort()).toEqual(opened.filter((_, i) => i >= 6 && i % 4 === 0).sort());
  });

  it.each([
    ['status=closed', 'query.status'],
    ['priority=critical', 'query.priority'],
    ['limit=0', 'query.limit'],
    ['limit=101', 'query.limit'],
    ['limit=ten', 'query.limit'],
    ['cursor=garbage', 'query.cursor'],
    ['assigneeId=not-a-uuid', 'query.assigneeId'],
    ['sort=oldest', 'query.sort'],
    ['status=open&status=assigned', 'query.status'],
  ])('when the query has %s, then it is 400 naming it', async (query, path) => {
    const res = await api().get(`/api/v1/cases?${query}`).set('authorization', admin.header);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(problem);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('when a cursor is tampered with or has the wrong shape, then it is 400', async () => {
    const first = await api().get('/api/v1/cases?limit=2').set('authorization', erin.header);
    const cursor: string = first.body.nextCursor;
    const tampered = `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [tampered, encodeCursor([1]), encodeCursor(['yesterday', randomUUID()]), encodeCursor([12, 'x'])]) {
      const res = await api().get('/api/v1/cases').query({ cursor: bad }).set('authorization', erin.header);
      expect(res.status).toBe(400);
    }
  });

  it('when a customer or an agent filters by customerId or assigneeId, then it is 400 (admin only)', async () => {
    for (const [who, query] of [
      [erin, `customerId=${bob.userId}`],
      [erin, `assigneeId=${listAgent.userId}`],
      [listAgent, `customerId=${erin.userId}`],
      [listAgent, `assigneeId=${agent.userId}`],
    ] as const) {
      const res = await api().get(`/api/v1/cases?${query}`).set('authorization', who.header);
      expect(res.status).toBe(400);
      expect(res.body.detail).toMatch(/admin/);
    }
  });
});

describe('platform endpoints', () => {
  it('is ready once its migrations are applied, and alive', async () => {
    const ready = await api().get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ database: { ok: true }, migrations: { ok: true } });
    expect((await api().get('/healthz')).status).toBe(200);
  });

  it('answers an unknown case route with a 404 problem and a wrong method with 405 and Allow, before authentication', async () => {
    const unknown = await api().get('/api/v1/cases/x/y/z');
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(problem);
    const wrong = await api().delete(`/api/v1/cases/${randomUUID()}`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('GET');
  });
});

describe('the OpenAPI document', () => {
  it('describes every case route with its request and response schemas', async () => {
    const res = await api().get('/openapi.json');
    expect(res.status).toBe(200);
    const { paths } = res.body;
    expect(Object.keys(paths).sort()).toEqual([
      '/api/v1/cases',
      '/api/v1/cases/{id}',
      '/api/v1/cases/{id}/comments',
      '/api/v1/cases/{id}/history',
    ]);
    const open = paths['/api/v1/cases'].post;
    expect(open.requestBody.content['application/json'].schema.required.sort()).toEqual(['description', 'subject']);
    expect(open.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(open.responses['201'].content['application/json'].schema.properties).toHaveProperty('assigneeId');
    expect(open.parameters.map((p: { name: string }) => p.name)).toContain('Idempotency-Key');
    const list = paths['/api/v1/cases'].get;
    expect(list.parameters.map((p: { name: string }) => p.name).sort()).toEqual(
      ['assigneeId', 'cursor', 'customerId', 'limit', 'priority', 'status'],
    );
    expect(paths['/api/v1/cases/{id}/history'].get.responses['200'].content['application/json'].schema).toBeDefined();
    expect(paths['/api/v1/cases/{id}'].get.responses).toHaveProperty('404');
  });
});
