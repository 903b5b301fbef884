import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, REFRESH_TOKEN_KEY, describeError, queryString, sessionRefreshStore } from '../src/api/client';
import { fakeFetch, memoryStore, problem, type FakeRequest } from './helpers';

const user = { id: 'u1', email: 'a@b.c', name: 'A', role: 'customer', disabled: false, createdAt: '2025-01-01T00:00:00Z' };

/** An API where only `valid` access tokens pass and each refresh token works once. */
function tokenApi(opts: { refreshOk?: boolean; refreshDelayMs?: number } = {}) {
  let valid = 'access-1';
  let refreshCount = 0;
  const spent = new Set<string>();
  const authed = (req: FakeRequest) => req.headers.authorization === `Bearer ${valid}`;
  const fake = fakeFetch({
    'POST /api/v1/auth/login': () => ({
      body: { accessToken: 'access-1', refreshToken: 'refresh-1', tokenType: 'Bearer', expiresIn: 900, user },
    }),
    'POST /api/v1/auth/refresh': async (req) => {
      refreshCount++;
      if (opts.refreshDelayMs) await new Promise((r) => setTimeout(r, opts.refreshDelayMs));
      const token = (req.body as { refreshToken: string }).refreshToken;
      if (opts.refreshOk === false || spent.has(token)) return { status: 401, body: problem(401, 'Unauthorized', 'The refresh token is not valid.') };
      spent.add(token);
      valid = `access-${refreshCount + 1}`;
      return { body: { accessToken: valid, refreshToken: `refresh-${refreshCount + 1}`, tokenType: 'Bearer', expiresIn: 900 } };
    },
    'GET /api/v1/auth/me': (req) => (authed(req) ? { body: user } : { status: 401, body: problem(401, 'Unauthorized', 'The token has expired.') }),
    'GET /api/v1/cases': (req) =>
      authed(req) ? { body: { items: [], nextCursor: null } } : { status: 401, body: problem(401, 'Unauthorized', 'The token has expired.') },
  });
  return {
    ...fake,
    expire: () => {
      valid = 'something-else';
    },
    get refreshCount() {
      return refreshCount;
    },
  };
}

describe('ApiClient tokens', () => {
  it('keeps the access token in memory and the refresh token in sessionStorage, never localStorage', async () => {
    const api = tokenApi();
    const setItem = vi.spyOn(Storage.prototype, 'setItem');
    const client = new ApiClient({ fetch: api.fetch });
    await client.login('a@b.c', 'correct horse');
    expect(client.signedIn).toBe(true);
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe('refresh-1');
    expect(localStorage.length).toBe(0);
    // No storage write ever contains the access token, and nothing went to localStorage.
    for (const call of setItem.mock.calls) expect(call[1]).not.toContain('access-');
    expect(setItem.mock.contexts.every((ctx) => ctx !== localStorage)).toBe(true);
    expect(JSON.stringify({ ...sessionStorage })).not.toContain('access-1');
  });

  it('sends the bearer token', async () => {
    const api = tokenApi();
    const client = new ApiClient({ fetch: api.fetch, refreshStore: memoryStore() });
    await client.login('a@b.c', 'x');
    await client.get('/api/v1/auth/me');
    expect(api.calls.at(-1)!.headers.authorization).toBe('Bearer access-1');
  });

  it('refreshes once on 401 and retries the request with the new token', async () => {
    const api = tokenApi();
    const store = memoryStore();
    const client = new ApiClient({ fetch: api.fetch, refreshStore: store });
    await client.login('a@b.c', 'x');
    api.expire();
    const me = await client.get<typeof user>('/api/v1/auth/me');
    expect(me.email).toBe('a@b.c');
    expect(api.refreshCount).toBe(1);
    expect(store.value).toBe('refresh-2');
    expect(api.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/v1/auth/login',
      'GET /api/v1/auth/me',
      'POST /api/v1/auth/refresh',
      'GET /api/v1/auth/me',
    ]);
  });

  it('shares one refresh between concurrent 401s (a refresh token is single-use)', async () => {
    const api = tokenApi({ refreshDelayMs: 20 });
    const client = new ApiClient({ fetch: api.fetch, refreshStore: memoryStore() });
    await client.login('a@b.c', 'x');
    api.expire();
    const results = await Promise.all([client.get('/api/v1/auth/me'), client.get('/api/v1/cases'), client.get('/api/v1/auth/me')]);
    expect(results).toHaveLength(3);
    expect(api.refreshCount).toBe(1);
  });

  it('ends the session when the refresh is refused, without looping', async () => {
    const api = tokenApi({ refreshOk: false });
    const store = memoryStore();
    const client = new ApiClient({ fetch: api.fetch, refreshStore: store });
    const ended = vi.fn();
    client.onSessionEnd(ended);
    await client.login('a@b.c', 'x');
    api.expire();
    const err = await client.get('/api/v1/auth/me').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect(api.refreshCount).toBe(1);
    expect(ended).toHaveBeenCalledWith('expired');
    expect(store.value).toBeNull();
    expect(client.signedIn).toBe(false);
  });

  it('does not refresh a second time when the retried request is 401 again', async () => {
    let refreshes = 0;
    const fake = fakeFetch({
      'POST /api/v1/auth/refresh': () => {
        refreshes++;
        return { body: { accessToken: `a${refreshes}`, refreshToken: `r${refreshes}` } };
      },
      'GET /api/v1/auth/me': () => ({ status: 401, body: problem(401, 'Unauthorized', 'No.') }),
    });
    const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore('r0') });
    client.setTokens({ accessToken: 'a0', refreshToken: 'r0' });
    await expect(client.get('/api/v1/auth/me')).rejects.toMatchObject({ status: 401 });
    expect(refreshes).toBe(1);
    expect(fake.calls.filter((c) => c.path === '/api/v1/auth/me')).toHaveLength(2);
  });

  it('never refreshes for the sign-in call itself', async () => {
    const fake = fakeFetch({
      'POST /api/v1/auth/login': () => ({ status: 401, body: problem(401, 'Unauthorized', 'Wrong email or password.') }),
    });
    const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore('r0') });
    await expect(client.login('a@b.c', 'nope')).rejects.toMatchObject({ status: 401, detail: 'Wrong email or password.' });
    expect(fake.calls).toHaveLength(1);
  });

  it('resumes a tab session from the refresh token', async () => {
    const api = tokenApi();
    const store = memoryStore('refresh-1');
    const client = new ApiClient({ fetch: api.fetch, refreshStore: store });
    const me = await client.resume();
    expect(me?.email).toBe('a@b.c');
    expect(store.value).toBe('refresh-2');
  });

  it('resume without a refresh token is simply signed out', async () => {
    const api = tokenApi();
    const client = new ApiClient({ fetch: api.fetch, refreshStore: memoryStore() });
    expect(await client.resume()).toBeNull();
    expect(api.calls).toHaveLength(0);
  });

  it('logout revokes the refresh token and forgets both tokens', async () => {
    const fake = fakeFetch({
      'POST /api/v1/auth/login': () => ({ body: { accessToken: 'a', refreshToken: 'r', user } }),
      'POST /api/v1/auth/logout': () => ({ status: 204 }),
    });
    const client = new ApiClient({ fetch: fake.fetch });
    await client.login('a@b.c', 'x');
    await client.logout();
    expect(fake.calls.at(-1)).toMatchObject({ path: '/api/v1/auth/logout', body: { refreshToken: 'r' } });
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    expect(client.signedIn).toBe(false);
  });
});

describe('problem parsing', () => {
  it('surfaces title, detail, status and field errors of application/problem+json', async () => {
    const fake = fakeFetch({
      'POST /api/v1/cases': () => ({
        status: 400,
        body: problem(400, 'Invalid request', 'A field is invalid: body.subject (must not be blank)', {
          errors: [{ path: 'body.subject', message: 'must not be blank' }],
        }),
      }),
    });
    const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore() });
    client.setTokens({ accessToken: 'a', refreshToken: 'r' });
    const err = (await client.post('/api/v1/cases', { subject: ' ' }).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 400, title: 'Invalid request', detail: 'A field is invalid: body.subject (must not be blank)' });
    expect(err.fieldErrors()).toEqual({ subject: 'must not be blank' });
  });

  it('reads Retry-After on 429 and explains it', async () => {
    const fake = fakeFetch({
      'POST /api/v1/auth/login': () => ({
        status: 429,
        headers: { 'retry-after': '42' },
        body: problem(429, 'Too many requests', 'Too many failed sign-ins.'),
      }),
    });
    const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore() });
    const err = (await client.login('a@b.c', 'x').catch((e: unknown) => e)) as ApiError;
    expect(err.retryAfter).toBe(42);
    expect(describeError(err)).toMatchObject({ title: 'Too many requests', detail: 'Too many failed sign-ins.', hint: 'Too many attempts. Try again in 42 seconds.' });
  });

  it('explains 401 and 403', () => {
    expect(describeError(new ApiError({ status: 403, title: 'Forbidden', detail: 'Admins only.' })).hint).toMatch(/not allowed/);
    expect(describeError(new ApiError({ status: 401, title: 'Unauthorized', detail: '' })).hint).toMatch(/sign in again/);
  });

  it('copes with errors that are not JSON and with network failures', async () => {
    const htmlFetch = vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502, headers: { 'content-type': 'text/html' } }));
    const client = new ApiClient({ fetch: htmlFetch as unknown as typeof fetch, refreshStore: memoryStore() });
    await expect(client.get('/api/v1/cases', undefined)).rejects.toMatchObject({ status: 502, title: 'Bad gateway' });

    const down = vi.fn(async () => {
      throw new TypeError('Failed to fetch');
    });
    const offline = new ApiClient({ fetch: down as unknown as typeof fetch, refreshStore: memoryStore() });
    await expect(offline.get('/api/v1/cases')).rejects.toMatchObject({ status: 0, title: 'Network error' });
  });

  it('returns undefined for 204', async () => {
    const fake = fakeFetch({ 'DELETE /api/v1/webhooks/:id': () => ({ status: 204 }) });
    const client = new ApiClient({ fetch: fake.fetch, refreshStore: memoryStore() });
    client.setTokens({ accessToken: 'a', refreshToken: 'r' });
    await expect(client.delete('/api/v1/webhooks/x')).resolves.toBeUndefined();
  });

  it('builds query strings without empty values', () => {
    expect(queryString({ status: 'open', priority: '', cursor: undefined, limit: 20 })).toBe('?status=open&limit=20');
    expect(queryString({})).toBe('');
  });

  it('sessionRefreshStore writes only sessionStorage', () => {
    const store = sessionRefreshStore();
    store.set('r-9');
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBe('r-9');
    expect(localStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
    store.set(null);
    expect(sessionStorage.getItem(REFRESH_TOKEN_KEY)).toBeNull();
  });
});
