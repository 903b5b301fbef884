import bcrypt from 'bcrypt';
import { sql } from 'kysely';
import {
  adminBearer,
  login,
  newAccount,
  problemType,
  register,
  signedIn,
  startAuthService,
  type AuthServiceFixture,
  type SessionBody,
} from './fixture';

jest.setTimeout(60_000);

let fx: AuthServiceFixture;

beforeAll(async () => {
  // Generous limits: this file checks the endpoints, brute-force.test.ts the limits.
  fx = await startAuthService({ env: { LOGIN_MAX_FAILURES_PER_ADDRESS: '10000', LOGIN_MAX_FAILURES_PER_ACCOUNT: '1000' } });
});

afterAll(async () => {
  await fx.stop();
});

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectProblem(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(problemType);
  expect(res.body).toMatchObject({ type: expect.any(String), title: expect.any(String), status, detail: expect.any(String) });
}

function fieldPaths(body: { errors?: { path: string }[] }): string[] {
  return (body.errors ?? []).map((e) => e.path);
}

describe('POST /api/v1/auth/register', () => {
  it('when a visitor signs up, then a customer account is created and returned without any password material', async () => {
    const account = newAccount('alice');
    const res = await fx.api().post('/api/v1/auth/register').send({ ...account, email: `  ${account.email}  ` });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(uuid),
      email: account.email,
      name: account.name,
      role: 'customer',
      disabled: false,
      createdAt: expect.any(String),
    });
    expect(new Date(res.body.createdAt).toISOString()).toBe(res.body.createdAt);
    expect(JSON.stringify(res.body)).not.toMatch(/\$2[aby]\$/);
    const stored = await fx.svc.host.db.selectFrom('users').select('password_hash').where('id', '=', res.body.id).executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$2b\$04\$/);
    expect(stored.password_hash).not.toContain(account.password);
  });

  it('when the email is taken in any letter case, then it is 409', async () => {
    const first = await register(fx);
    const res = await fx.api().post('/api/v1/auth/register').send({ ...newAccount(), email: first.email.toUpperCase() });
    expectProblem(res, 409);
  });

  it('when the same Idempotency-Key and body are sent twice, then the same account comes back and the replay is no 409', async () => {
    const account = newAccount('idem');
    const first = await fx.api().post('/api/v1/auth/register').set('idempotency-key', `k-${account.email}`).send(account);
    const again = await fx.api().post('/api/v1/auth/register').set('idempotency-key', `k-${account.email}`).send(account);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    const other = await fx.api().post('/api/v1/auth/register').set('idempotency-key', `k-${account.email}`).send(newAccount());
    expectProblem(other, 422);
  });

  const base = () => newAccount('bad');
  it.each([
    ['a missing email', () => ({ password: 'long-enough-pw', name: 'n' }), 'body.email'],
    ['a missing password', () => ({ email: base().email, name: 'n' }), 'body.password'],
    ['a missing name', () => ({ email: base().email, password: 'long-enough-pw' }), 'body.name'],
    ['a role', () => ({ ...base(), role: 'admin' }), 'body.role'],
    ['a disabled flag', () => ({ ...base(), disabled: false }), 'body.disabled'],
    ['an id', () => ({ ...base(), id: '00000000-0000-4000-8000-000000000000' }), 'body.id'],
    ['a password of 9 characters', () => ({ ...base(), password: '123456789' }), 'body.password'],
    ['a password of only spaces', () => ({ ...base(), password: ' '.repeat(12) }), 'body.password'],
    ['a password over 72 bytes', () => ({ ...base(), password: 'é'.repeat(37) }), 'body.password'],
    ['a password with NUL', () => ({ ...base(), password: 'abcdefghij\u0000k' }), 'body.password'],
    ['a numeric password', () => ({ ...base(), password: 12345678901 }), 'body.password'],
    ['a malformed email', () => ({ ...base(), email: 'not-an-email' }), 'body.email'],
    ['an email of the wrong type', () => ({ ...base(), email: ['a@b.co'] }), 'body.email'],
    ['a blank name', () => ({ ...base(), name: '   ' }), 'body.name'],
    ['a name of 201 characters', () => ({ ...base(), name: 'x'.repeat(201) }), 'body.name'],
    ['a null name', () => ({ ...base(), name: null }), 'body.name'],
  ])('when the body has %s, then it is 400 naming the field', async (_what, body, path) => {
    const res = await fx.api().post('/api/v1/auth/register').send(body());
    expectProblem(res, 400);
    expect(fieldPaths(res.body)).toContain(path);
  });

  it('when the body is not JSON, then 415; not valid JSON or no body, 400; over 1 MiB (2 MB), 413', async () => {
    const notJson = await fx.api().post('/api/v1/auth/register').set('content-type', 'text/plain').send('email=a@b.co');
    expectProblem(notJson, 415);
    const form = await fx.api().post('/api/v1/auth/register').type('form').send({ email: 'a@b.co', password: 'x', name: 'n' });
    expectProblem(form, 415);
    const malformed = await fx.api().post('/api/v1/auth/register').set('content-type', 'application/json').send('{"email":');
    expectProblem(malformed, 400);
    expectProblem(await fx.api().post('/api/v1/auth/register'), 400);
    const huge = await fx.api().post('/api/v1/auth/register').send({ ...newAccount(), name: 'x'.repeat(2 * 1024 * 1024) });
    expectProblem(huge, 413);
  });
});

describe('POST /api/v1/auth/login', () => {
  it('when the right password is given, then an access and a refresh token come back with the user', async () => {
    const user = await register(fx);
    const res = await fx.api().post('/api/v1/auth/login').send({ email: user.email.toUpperCase(), password: user.password });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      accessToken: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/),
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      tokenType: 'Bearer',
      expiresIn: 900,
      user: { id: user.id, email: user.email, name: user.name, role: 'customer', disabled: false, createdAt: user.createdAt },
    });
    const [header, payload] = (res.body.accessToken as string).split('.').slice(0, 2).map((p) => JSON.parse(Buffer.from(p, 'base64url').toString()));
    expect(header).toEqual({ alg: 'ES256', typ: 'JWT', kid: fx.svc.keys[0]!.kid });
    expect(payload).toEqual({
      sub: user.id,
      role: 'customer',
      iss: 'helmdesk',
      aud: 'helmdesk-api',
      iat: expect.any(Number),
      exp: expect.any(Number),
      jti: expect.stringMatching(uuid),
    });
    expect(payload.exp - payload.iat).toBe(900);
    // Only the SHA-256 of the refresh token is stored.
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from refresh_tokens where token_hash = sha256(convert_to(${res.body.refreshToken}, 'UTF8'))`.execute(fx.svc.host.db);
    expect(rows[0]!.n).toBe(1);
    const { rows: raw } = await sql<{ n: number }>`select count(*)::int as n from refresh_tokens where encode(token_hash, 'escape') like ${'%' + res.body.refreshToken + '%'}`.execute(fx.svc.host.db);
    expect(raw[0]!.n).toBe(0);
  });

  it('when the password is wrong, the email unknown or the account disabled, then the same 401 comes back', async () => {
    const user = await register(fx);
    const disabled = await register(fx);
    const patch = await fx.api().patch(`/api/v1/users/${disabled.id}`).set('authorization', await adminBearer(fx)).send({ disabled: true });
    expect(patch.status).toBe(200);
    const wrong = await fx.api().post('/api/v1/auth/login').send({ email: user.email, password: 'not-the-password' });
    const unknown = await fx.api().post('/api/v1/auth/login').send({ email: `nobody.${Date.now()}@example.com`, password: 'whatever-password' });
    const off = await fx.api().post('/api/v1/auth/login').send({ email: disabled.email, password: disabled.password });
    for (const res of [wrong, unknown, off]) expectProblem(res, 401);
    const { instance: _a, ...wrongBody } = wrong.body;
    const { instance: _b, ...unknownBody } = unknown.body;
    const { instance: _c, ...offBody } = off.body;
    expect(unknownBody).toEqual(wrongBody);
    expect(offBody).toEqual(wrongBody);
    expect(unknown.body.instance).toBe(wrong.body.instance);
    expect(Object.keys(unknown.headers).sort()).toEqual(Object.keys(wrong.headers).sort());
  });

  it('when a password was stored at another bcrypt cost, then a successful sign-in stores it again at the configured cost', async () => {
    const user = await register(fx);
    await fx.svc.host.db.updateTable('users').set({ password_hash: await bcrypt.hash(user.password, 5) }).where('id', '=', user.id).execute();
    await login(fx, user.email, user.password);
    const stored = await fx.svc.host.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.password_hash).toMatch(/^\$2b\$04\$/);
    expect(await bcrypt.compare(user.password, stored.password_hash)).toBe(true);
  });

  it.each([
    ['a missing password', { email: 'a@b.co' }, 'body.password'],
    ['a missing email', { password: 'x' }, 'body.email'],
    ['an extra field', { email: 'a@b.co', password: 'x', remember: true }, 'body.remember'],
    ['a numeric password', { email: 'a@b.co', password: 1234 }, 'body.password'],
    ['a password over 72 bytes', { email: 'a@b.co', password: 'x'.repeat(73) }, 'body.password'],
  ])('when the body has %s, then it is 400', async (_what, body, path) => {
    const res = await fx.api().post('/api/v1/auth/login').send(body);
    expectProblem(res, 400);
    expect(fieldPaths(res.body)).toContain(path);
  });
});

describe('GET /api/v1/auth/me', () => {
  it('when signed in, then it is the caller; without a token, 401', async () => {
    const { user, bearer } = await signedIn(fx, 'agent');
    const me = await fx.api().get('/api/v1/auth/me').set('authorization', bearer);
    expect(me.status).toBe(200);
    expect(me.body).toEqual(user);
    expect(me.body.role).toBe('agent');
    expectProblem(await fx.api().get('/api/v1/auth/me'), 401);
    expectProblem(await fx.api().get('/api/v1/auth/me').set('authorization', 'Basic abc'), 401);
  });

  it('when the route exists with another method, then 405 with Allow; an unknown route, 404', async () => {
    const res = await fx.api().post('/api/v1/auth/me').send({});
    expectProblem(res, 405);
    expect(res.headers.allow).toBe('GET');
    expectProblem(await fx.api().get('/api/v1/auth/nothing'), 404);
  });
});

describe('POST /api/v1/auth/refresh', () => {
  async function refresh(token: string) {
    return fx.api().post('/api/v1/auth/refresh').send({ refreshToken: token });
  }

  it('when a refresh token is used, then a new pair comes back and the old refresh token is spent', async () => {
    const { session, user } = await signedIn(fx);
    const res = await refresh(session.refreshToken);
    expect(res.status).toBe(200);
    const next = res.body as SessionBody;
    expect(next.refreshToken).not.toBe(session.refreshToken);
    expect(next.accessToken).not.toBe(session.accessToken);
    expect(next).toMatchObject({ tokenType: 'Bearer', expiresIn: 900, user });
    const me = await fx.api().get('/api/v1/auth/me').set('authorization', `Bearer ${next.accessToken}`);
    expect(me.status).toBe(200);
    // And the new one works once more.
    expect((await refresh(next.refreshToken)).status).toBe(200);
  });

  it('when a spent refresh token is reused, then 401 and every token of that sign-in is revoked, the newer one too', async () => {
    const { session, user, password } = await signedIn(fx);
    const second = await refresh(session.refreshToken);
    expect(second.status).toBe(200);
    const third = await refresh(second.body.refreshToken);
    expect(third.status).toBe(200);
    // Another sign-in of the same user is a different family and must survive.
    const otherLogin = await login(fx, user.email, password);

    const replay = await refresh(session.refreshToken);
    expectProblem(replay, 401);
    expectProblem(await refresh(third.body.refreshToken), 401);
    expectProblem(await refresh(second.body.refreshToken), 401);
    expect((await refresh(otherLogin.refreshToken)).status).toBe(200);
  });

  it('when two refreshes of one token race, then exactly one gets a new pair', async () => {
    const { session } = await signedIn(fx);
    const results = await Promise.all([refresh(session.refreshToken), refresh(session.refreshToken)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it('when the refresh token is unknown, malformed or expired, then 401 (400 when missing or of the wrong type)', async () => {
    expectProblem(await refresh('x'.repeat(43)), 401);
    const { session } = await signedIn(fx);
    await sql`update refresh_tokens set expires_at = now() - interval '1 second'
               where token_hash = sha256(convert_to(${session.refreshToken}, 'UTF8'))`.execute(fx.svc.host.db);
    expectProblem(await refresh(session.refreshToken), 401);
    expectProblem(await fx.api().post('/api/v1/auth/refresh').send({}), 400);
    expectProblem(await fx.api().post('/api/v1/auth/refresh').send({ refreshToken: 42 }), 400);
    expectProblem(await fx.api().post('/api/v1/auth/refresh').send({ refreshToken: 'a', extra: 1 }), 400);
  });

  it('when the account is disabled, then its refresh tokens are refused and sign-in too', async () => {
    const { session, user, password } = await signedIn(fx);
    const patch = await fx.api().patch(`/api/v1/users/${user.id}`).set('authorization', await adminBearer(fx)).send({ disabled: true });
    expect(patch.status).toBe(200);
    expectProblem(await refresh(session.refreshToken), 401);
    expectProblem(await fx.api().post('/api/v1/auth/login').send({ email: user.email, password }), 401);
    // Re-enabled, the old sign-in stays revoked; a new one works.
    await fx.api().patch(`/api/v1/users/${user.id}`).set('authorization', await adminBearer(fx)).send({ disabled: false });
    expectProblem(await refresh(session.refreshToken), 401);
    expect((await login(fx, user.email, password)).user.disabled).toBe(false);
  });
});

describe('POST /api/v1/auth/logout', () => {
  it("when the caller signs out, then 204 and that sign-in's refresh tokens stop working; other sign-ins keep working", async () => {
    const { session, user, password, bearer } = await signedIn(fx);
    const other = await login(fx, user.email, password);
    const rotated = await fx.api().post('/api/v1/auth/refresh').send({ refreshToken: session.refreshToken });
    expect(rotated.status).toBe(200);
    const res = await fx.api().post('/api/v1/auth/logout').set('authorization', bearer).send({ refreshToken: rotated.body.refreshToken });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectProblem(await fx.api().post('/api/v1/auth/refresh').send({ refreshToken: rotated.body.refreshToken }), 401);
    expect((await fx.api().post('/api/v1/auth/refresh').send({ refreshToken: other.refreshToken })).status).toBe(200);
    // Signing out again is still 204.
    expect((await fx.api().post('/api/v1/auth/logout').set('authorization', bearer).send({ refreshToken: rotated.body.refreshToken })).status).toBe(204);
  });

  it("when someone signs out with another user's refresh token, then 204 but nothing is revoked", async () => {
    const victim = await signedIn(fx);
    const attacker = await signedIn(fx);
    const res = await fx.api().post('/api/v1/auth/logout').set('authorization', attacker.bearer).send({ refreshToken: victim.session.refreshToken });
    expect(res.status).toBe(204);
    expect((await fx.api().post('/api/v1/auth/refresh').send({ refreshToken: victim.session.refreshToken })).status).toBe(200);
  });

  it('when there is no token, then 401; a bad body, 400', async () => {
    const { bearer } = await signedIn(fx);
    expectProblem(await fx.api().post('/api/v1/auth/logout').send({ refreshToken: 'x' }), 401);
    expectProblem(await fx.api().post('/api/v1/auth/logout').set('authorization', bearer).send({}), 400);
    expectProblem(await fx.api().post('/api/v1/auth/logout').set('authorization', bearer).send({ refreshToken: 'x', all: true }), 400);
  });
});

describe('GET /.well-known/jwks.json', () => {
  it('when fetched anonymously, then it lists the public key with kid, alg and use, and no private part', async () => {
    const res = await fx.api().get('/.well-known/jwks.json');
    expect(res.status).toBe(200);
    expect(res.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(Number(/max-age=(\d+)/.exec(res.headers['cache-control'] ?? '')![1])).toBeLessThanOrEqual(300);
    expect(res.body.keys).toHaveLength(1);
    const [jwk] = res.body.keys;
    expect(jwk).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: fx.svc.keys[0]!.kid, alg: 'ES256', use: 'sig' });
    expect(jwk).not.toHaveProperty('d');
  });
});

describe('the service document', () => {
  it('when /openapi.json is read, then every auth route of the contract is in it', async () => {
    const res = await fx.api().get('/openapi.json');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body.paths).sort()).toEqual(
      [
        '/.well-known/jwks.json',
        '/api/v1/auth/login',
        '/api/v1/auth/logout',
        '/api/v1/auth/me',
        '/api/v1/auth/refresh',
        '/api/v1/auth/register',
        '/api/v1/users',
        '/api/v1/users/{id}',
      ].sort(),
    );
  });
});
