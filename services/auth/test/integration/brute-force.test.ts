import { sql } from 'kysely';
import { newAccount, problemType, register, startAuthService, type AuthServiceFixture } from './fixture';

jest.setTimeout(60_000);

let fx: AuthServiceFixture;
const perAccount = 3;
const perAddress = 5;
const windowSeconds = 60;

beforeAll(async () => {
  fx = await startAuthService({
    env: {
      LOGIN_MAX_FAILURES_PER_ACCOUNT: String(perAccount),
      LOGIN_MAX_FAILURES_PER_ADDRESS: String(perAddress),
      LOGIN_WINDOW_SECONDS: String(windowSeconds),
      // As behind the gateway: the client address is the one hop the gateway puts in X-Forwarded-For.
      TRUST_PROXY: 'true',
    },
  });
});

afterAll(async () => {
  await fx.stop();
});

let addressCounter = 0;
/** A client address no other test uses. */
const freshAddress = () => `198.51.100.${++addressCounter}`;

async function attempt(email: string, password: string, address = freshAddress()) {
  return fx.api().post('/api/v1/auth/login').set('x-forwarded-for', address).send({ email, password });
}

function expectLimited(res: { status: number; headers: Record<string, string>; body: Record<string, unknown> }) {
  expect(res.status).toBe(429);
  expect(res.headers['content-type']).toMatch(problemType);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  const seconds = Number(res.headers['retry-after']);
  expect(seconds).toBeGreaterThanOrEqual(1);
  expect(seconds).toBeLessThanOrEqual(windowSeconds);
  expect(res.body).toMatchObject({ status: 429, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
  return seconds;
}

/** Moves an account's or address's recorded attempts `seconds` into the past. */
async function age(where: { account?: string; address?: string }, seconds: number) {
  let q = fx.svc.host.db.updateTable('login_attempts').set({ at: sql`at - make_interval(secs => ${seconds})` } as never);
  if (where.account) q = q.where('account', '=', where.account.toLowerCase());
  if (where.address) q = q.where('address', '=', where.address);
  await q.execute();
}

describe('the per-account limit', () => {
  it('when an account had too many failures (from different addresses), then even the right password gets 429 with Retry-After', async () => {
    const user = await register(fx);
    for (let i = 0; i < perAccount; i++) expect((await attempt(user.email, 'wrong-password!')).status).toBe(401);
    expectLimited(await attempt(user.email, user.password));
    expectLimited(await attempt(user.email.toUpperCase(), 'wrong-password!'));
    // Another account from the same kind of place is not affected.
    const other = await register(fx);
    expect((await attempt(other.email, other.password)).status).toBe(200);
  });

  it('when the failures leave the window, then the account may sign in again; Retry-After counts down to that', async () => {
    const user = await register(fx);
    for (let i = 0; i < perAccount; i++) expect((await attempt(user.email, 'wrong-password!')).status).toBe(401);
    expect(expectLimited(await attempt(user.email, user.password))).toBeGreaterThan(windowSeconds - 10);
    await age({ account: user.email }, windowSeconds - 20);
    const later = expectLimited(await attempt(user.email, user.password));
    expect(later).toBeLessThanOrEqual(21);
    expect(later).toBeGreaterThanOrEqual(15);
    await age({ account: user.email }, 21);
    expect((await attempt(user.email, user.password)).status).toBe(200);
  });

  it('when attempts are refused with 429, then they do not count themselves', async () => {
    const user = await register(fx);
    for (let i = 0; i < perAccount; i++) await attempt(user.email, 'wrong-password!');
    for (let i = 0; i < 5; i++) expectLimited(await attempt(user.email, 'wrong-password!'));
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from login_attempts where account = ${user.email.toLowerCase()}`.execute(fx.svc.host.db);
    expect(rows[0]!.n).toBe(perAccount);
  });

  it('when the right password is given before the limit, then the account failures are forgiven', async () => {
    const user = await register(fx);
    for (let i = 0; i < perAccount - 1; i++) expect((await attempt(user.email, 'wrong-password!')).status).toBe(401);
    expect((await attempt(user.email, user.password)).status).toBe(200);
    for (let i = 0; i < perAccount - 1; i++) expect((await attempt(user.email, 'wrong-password!')).status).toBe(401);
    expect((await attempt(user.email, user.password)).status).toBe(200);
  });

  it('when an unknown email is tried, then it is limited exactly like a real one (no enumeration through 429)', async () => {
    const known = await register(fx);
    const unknown = newAccount('ghost').email;
    const knownStatuses: number[] = [];
    const unknownStatuses: number[] = [];
    for (let i = 0; i < perAccount + 2; i++) {
      knownStatuses.push((await attempt(known.email, 'wrong-password!')).status);
      unknownStatuses.push((await attempt(unknown, 'wrong-password!')).status);
    }
    expect(unknownStatuses).toEqual(knownStatuses);
    expect(knownStatuses).toEqual([401, 401, 401, 429, 429]);
    const a = await attempt(known.email, 'wrong-password!');
    const b = await attempt(unknown, 'wrong-password!');
    expect({ type: b.body.type, title: b.body.title }).toEqual({ type: a.body.type, title: a.body.title });
  });

  it('when many wrong attempts race on one account, then no more than the limit are let through to the password check', async () => {
    const user = await register(fx);
    const results = await Promise.all(Array.from({ length: 12 }, () => attempt(user.email, 'wrong-password!')));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(perAccount);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(1);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expectLimited(await attempt(user.email, user.password));
  });
});

describe('the per-address limit', () => {
  it('when one address failed too often (on different accounts), then it gets 429 even with a right password; other addresses do not', async () => {
    const address = freshAddress();
    for (let i = 0; i < perAddress; i++) {
      expect((await attempt(newAccount('spray').email, 'wrong-password!', address)).status).toBe(401);
    }
    const user = await register(fx);
    expectLimited(await attempt(user.email, user.password, address));
    expect((await attempt(user.email, user.password, freshAddress())).status).toBe(200);
    // Successes do not clear an address's failures.
    expectLimited(await attempt(user.email, user.password, address));
    await age({ address }, windowSeconds);
    expect((await attempt(user.email, user.password, address)).status).toBe(200);
  });

  it('when a client prepends a made-up address to X-Forwarded-For, then the hop the proxy added is still the one counted', async () => {
    const address = freshAddress();
    for (let i = 0; i < perAddress; i++) {
      const res = await fx
        .api()
        .post('/api/v1/auth/login')
        .set('x-forwarded-for', `10.9.9.${i}, ${address}`)
        .send({ email: newAccount('spray').email, password: 'wrong-password!' });
      expect(res.status).toBe(401);
    }
    const user = await register(fx);
    expectLimited(await attempt(user.email, user.password, `10.9.9.200, ${address}`));
  });
});
