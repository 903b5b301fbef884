import { randomUUID } from 'node:crypto';
import { routePolicies } from '@helmdesk/contracts';
import { encodeCursor } from '@helmdesk/platform';
import {
  adminBearer,
  login,
  newAccount,
  problemType,
  register,
  signedIn,
  startAuthService,
  type AuthServiceFixture,
  type UserBody,
} from './fixture';

jest.setTimeout(60_000);

let fx: AuthServiceFixture;
let admin: string;

beforeAll(async () => {
  fx = await startAuthService({ env: { LOGIN_MAX_FAILURES_PER_ADDRESS: '10000' } });
  admin = await adminBearer(fx);
});

afterAll(async () => {
  await fx.stop();
});

function expectProblem(res: { status: number; headers: Record<string, string> }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(problemType);
}

async function outboxEvents(type: string, subject: string): Promise<{ type: string; data: Record<string, unknown> }[]> {
  const rows = await fx.svc.host.db
    .selectFrom('outbox')
    .select(['payload'])
    .where('topic', '=', type)
    .where('key', '=', subject)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.payload as { type: string; data: Record<string, unknown> });
}

describe('POST /api/v1/users', () => {
  it.each(['customer', 'agent', 'admin'] as const)('when an admin creates a %s, then the account has that role and can sign in', async (role) => {
    const account = newAccount(role);
    const res = await fx.api().post('/api/v1/users').set('authorization', admin).send({ ...account, role });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({ id: expect.any(String), email: account.email, name: account.name, role, disabled: false, createdAt: expect.any(String) });
    const session = await login(fx, account.email, account.password);
    expect(session.user.role).toBe(role);
    const [created] = await outboxEvents('user.created', res.body.id);
    expect(created!.data).toEqual({ userId: res.body.id, email: account.email, name: account.name, role, disabled: false, createdAt: res.body.createdAt });
  });

  it('when the email exists (any case), then 409; a bad role or missing field, 400', async () => {
    const existing = await register(fx);
    expectProblem(await fx.api().post('/api/v1/users').set('authorization', admin).send({ ...newAccount(), email: existing.email.toUpperCase(), role: 'agent' }), 409);
    const bad = await fx.api().post('/api/v1/users').set('authorization', admin).send({ ...newAccount(), role: 'root' });
    expectProblem(bad, 400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.role']);
    const missing = await fx.api().post('/api/v1/users').set('authorization', admin).send(newAccount());
    expectProblem(missing, 400);
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(['body.role']);
    const weak = await fx.api().post('/api/v1/users').set('authorization', admin).send({ ...newAccount(), password: 'short', role: 'agent' });
    expectProblem(weak, 400);
    expectProblem(await fx.api().post('/api/v1/users').set('authorization', admin).send({ ...newAccount(), role: 'agent', disabled: true }), 400);
  });

  it('when a customer or an agent tries it, then 403; anonymous, 401; nothing is created', async () => {
    const customer = await signedIn(fx, 'customer');
    const agent = await signedIn(fx, 'agent');
    const account = newAccount('sneaky');
    for (const who of [customer.bearer, agent.bearer]) {
      expectProblem(await fx.api().post('/api/v1/users').set('authorization', who).send({ ...account, role: 'admin' }), 403);
    }
    expectProblem(await fx.api().post('/api/v1/users').send({ ...account, role: 'admin' }), 401);
    const found = await fx.api().get('/api/v1/users').query({ q: account.email }).set('authorization', admin);
    expect(found.body.items).toEqual([]);
  });
});

describe('GET /api/v1/users', () => {
  const tag = `tag${Date.now().toString(36)}`;
  const made: UserBody[] = [];

  beforeAll(async () => {
    for (const [i, role] of (['customer', 'agent', 'customer', 'admin', 'agent', 'customer', 'customer'] as const).entries()) {
      const account = { ...newAccount(role), name: i === 2 ? `Zoë ${tag.toUpperCase()} Smith` : `${role} ${i}`, email: `${tag}.${i}.${role}@example.com` };
      const res = await fx.api().post('/api/v1/users').set('authorization', admin).send({ ...account, role });
      expect(res.status).toBe(201);
      made.push(res.body);
    }
  });

  /** The list order: (createdAt desc, id desc). */
  const newestFirst = (users: UserBody[]) =>
    [...users].sort((a, b) => (a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? 1 : -1));

  async function all(query: Record<string, string | number>): Promise<UserBody[]> {
    const items: UserBody[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 50; i++) {
      const res: { status: number; body: { items: UserBody[]; nextCursor: string | null } } = await fx
        .api()
        .get('/api/v1/users')
        .query({ ...query, ...(cursor ? { cursor } : {}) })
        .set('authorization', admin);
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
      if (!cursor) return items;
    }
    throw new Error('pagination never ended');
  }

  it('when q matches part of the email or the name in any case, then exactly those users come back, newest first', async () => {
    const found = await all({ q: tag.toUpperCase(), limit: 2 });
    expect(found.map((u) => u.id)).toEqual(newestFirst(made).map((u) => u.id));
    const byName = await all({ q: 'zoË' });
    expect(byName.map((u) => u.id)).toContain(made[2]!.id);
  });

  it('when filtered by role, then only that role', async () => {
    const agents = await all({ q: tag, role: 'agent' });
    expect(agents.map((u) => u.id)).toEqual(newestFirst([made[1]!, made[4]!]).map((u) => u.id));
    const everyone = await all({ role: 'admin', limit: 100 });
    expect(everyone.every((u) => u.role === 'admin')).toBe(true);
    expect(everyone.map((u) => u.email)).toContain(fx.admin.email);
  });

  it('when q has LIKE wildcards, then they match literally', async () => {
    expect(await all({ q: `${tag}%` })).toEqual([]);
    expect(await all({ q: '_' })).toEqual([]);
  });

  it('when paging, then every user comes exactly once and pages respect the limit', async () => {
    const pages: UserBody[][] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: UserBody[]; nextCursor: string | null } } = await fx
        .api()
        .get('/api/v1/users')
        .query({ q: tag, limit: 3, ...(cursor ? { cursor } : {}) })
        .set('authorization', admin);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      pages.push(res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(new Set(pages.flat().map((u) => u.id)).size).toBe(7);
  });

  it.each([
    ['a cursor the server did not issue', { cursor: 'abc' }, 'query.cursor'],
    ['a well-signed cursor of the wrong shape', { cursor: encodeCursor([1, 2]) }, 'query.cursor'],
    ['a limit of 0', { limit: 0 }, 'query.limit'],
    ['a limit of 101', { limit: 101 }, 'query.limit'],
    ['an unknown role', { role: 'root' }, 'query.role'],
    ['an unknown parameter', { sort: 'name' }, 'query.sort'],
    ['an empty q', { q: '' }, 'query.q'],
  ])('when the query has %s, then 400', async (_what, query, path) => {
    const res = await fx.api().get('/api/v1/users').query(query).set('authorization', admin);
    expectProblem(res, 400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });
});

describe('GET and PATCH /api/v1/users/:id', () => {
  it('when an admin reads a user, then it is that user; an unknown id 404, a malformed one 400', async () => {
    const user = await register(fx);
    const res = await fx.api().get(`/api/v1/users/${user.id}`).set('authorization', admin);
    expect(res.status).toBe(200);
    const { password: _p, ...expected } = user;
    expect(res.body).toEqual(expected);
    expectProblem(await fx.api().get(`/api/v1/users/${randomUUID()}`).set('authorization', admin), 404);
    expectProblem(await fx.api().get('/api/v1/users/not-a-uuid').set('authorization', admin), 400);
  });

  it('when an admin renames and promotes a user, then it is saved and user.updated names exactly the changed fields', async () => {
    const user = await register(fx);
    const res = await fx.api().patch(`/api/v1/users/${user.id}`).set('authorization', admin).send({ name: '  New Name ', role: 'agent' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: user.id, name: 'New Name', role: 'agent', disabled: false });
    const same = await fx.api().patch(`/api/v1/users/${user.id}`).set('authorization', admin).send({ name: 'New Name', disabled: false });
    expect(same.status).toBe(200);
    const events = await outboxEvents('user.updated', user.id);
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toEqual({ userId: user.id, email: user.email, name: 'New Name', role: 'agent', disabled: false, changed: ['name', 'role'] });
    // The next sign-in carries the new role.
    expect((await login(fx, user.email, user.password)).user.role).toBe('agent');
  });

  it('when an admin disables a user, then its refresh tokens are revoked and user.updated says disabled', async () => {
    const { user, session } = await signedIn(fx);
    const res = await fx.api().patch(`/api/v1/users/${user.id}`).set('authorization', admin).send({ disabled: true });
    expect(res.status).toBe(200);
    expect(res.body.disabled).toBe(true);
    expectProblem(await fx.api().post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken }), 401);
    const [event] = await outboxEvents('user.updated', user.id);
    expect(event!.data).toMatchObject({ disabled: true, changed: ['disabled'] });
    // Documented: an access token already issued stays valid until it expires.
    expect((await fx.api().get('/api/v1/auth/me').set('authorization', `Bearer ${session.accessToken}`)).body.disabled).toBe(true);
  });

  it('when an admin tries to disable or demote themselves, then 409 and nothing changes', async () => {
    const self = await signedIn(fx, 'admin');
    for (const body of [{ disabled: true }, { role: 'agent' }, { role: 'customer', name: 'x' }]) {
      expectProblem(await fx.api().patch(`/api/v1/users/${self.user.id}`).set('authorization', self.bearer).send(body), 409);
    }
    const renamed = await fx.api().patch(`/api/v1/users/${self.user.id}`).set('authorization', self.bearer).send({ name: 'Still Admin', role: 'admin', disabled: false });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'Still Admin', role: 'admin', disabled: false });
    // Another admin may demote them.
    const other = await fx.api().patch(`/api/v1/users/${self.user.id}`).set('authorization', admin).send({ role: 'agent' });
    expect(other.status).toBe(200);
  });

  it.each([
    ['an unknown field', { email: 'new@example.com' }, 'body.email'],
    ['a password', { password: 'new-password-123' }, 'body.password'],
    ['a bad role', { role: 'owner' }, 'body.role'],
    ['a string for disabled', { disabled: 'true' }, 'body.disabled'],
    ['a blank name', { name: ' ' }, 'body.name'],
  ])('when the patch has %s, then 400', async (_what, body, path) => {
    const user = await register(fx);
    const res = await fx.api().patch(`/api/v1/users/${user.id}`).set('authorization', admin).send(body);
    expectProblem(res, 400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('when the user does not exist, then 404', async () => {
    expectProblem(await fx.api().patch(`/api/v1/users/${randomUUID()}`).set('authorization', admin).send({ name: 'x' }), 404);
  });
});

describe('the route policy of libs/contracts', () => {
  const authRoutes = routePolicies.filter((r) => r.target === 'auth');
  const concrete = (path: string) => path.replace(':id', randomUUID());

  it('when every auth route is called by anonymous, customer, agent and admin, then 401/403 or through, exactly as the table says', async () => {
    const bearers = {
      customer: (await signedIn(fx, 'customer')).bearer,
      agent: (await signedIn(fx, 'agent')).bearer,
      admin,
    };
    expect(authRoutes.length).toBe(10);
    for (const route of authRoutes) {
      for (const who of ['anonymous', 'customer', 'agent', 'admin'] as const) {
        let req = fx.api()[route.method.toLowerCase() as 'get'](concrete(route.path));
        if (who !== 'anonymous') req = req.set('authorization', bearers[who]);
        const res = await req;
        const allowed = route.access === 'public' || (who !== 'anonymous' && route.access.includes(who));
        const expected = allowed ? 'through' : who === 'anonymous' ? 401 : 403;
        const got = res.status === 401 || res.status === 403 ? res.status : 'through';
        // A public route answering 401 (login with no body is 400, not 401) would be a bug too.
        expect({ route: `${route.method} ${route.path}`, who, got }).toEqual({ route: `${route.method} ${route.path}`, who, got: expected });
      }
    }
  });
});
