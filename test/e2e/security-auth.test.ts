import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, type KeyObject } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKeyPem, parseSigningKeys } from '@helmdesk/platform';
import { ApiClient, b64, signHs256, signJwt } from '@helmdesk/testkit';
import {
  recordProbeFigures,
  registerCustomer,
  runProbes,
  startPlatformForSuite,
  type Account,
  type FaultPlatform,
  type Probe,
  type ProbeResult,
} from '../security/support';

/**
 * Sign-in abuse and token forgery through the gateway against the whole platform: the same answer
 * for an unknown email and a wrong password, 429 with Retry-After past the limits (the right
 * password included), refresh-token reuse revoking the whole sign-in, and forged access tokens of
 * every classic kind refused by the gateway and by each service. The platform signs with a key this
 * test owns, so it can also make tokens that are correctly signed but wrong in one claim.
 */
jest.setTimeout(180_000);

const perAccount = 5;
const perAddress = 30;
const signingPem = generateSigningKeyPem();
const [signingKey] = parseSigningKeys(signingPem);
let fx: FaultPlatform;
let amy: Account;
let ben: Account;
let adminId: string;
const results: ProbeResult[] = [];
const figures: Record<string, unknown> = {};

beforeAll(async () => {
  fx = await startPlatformForSuite('auth', {
    suite: 'security',
    env: { LOG_LEVEL: 'warn' },
    serviceEnv: {
      auth: {
        JWT_SIGNING_KEYS: signingPem,
        LOGIN_MAX_FAILURES_PER_ACCOUNT: String(perAccount),
        LOGIN_MAX_FAILURES_PER_ADDRESS: String(perAddress),
        LOGIN_WINDOW_SECONDS: '900',
      },
    },
  });
  amy = await registerCustomer(fx, 'amy');
  ben = await registerCustomer(fx, 'ben');
  adminId = (await fx.admin.get('/api/v1/auth/me')).body.id;
});

afterAll(async () => {
  recordProbeFigures('security-auth', results, figures);
  await fx?.stop();
});

const password = 'customer-password-1';
const login = (email: string, pw: string, headers: Record<string, string> = {}) => fx.api.post('/api/v1/auth/login', { email, password: pw }, headers);
const problem = (b: any) => ({ type: b.type, title: b.title, status: b.status, detail: b.detail });

describe('refresh tokens', () => {
  it('rotate on use; reusing a spent one is refused and revokes the whole sign-in, not the others', async () => {
    const first = (await login(amy.email, password)).body;
    const second = (await login(amy.email, password)).body;
    const r2 = await fx.api.post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(r2.status).toBe(200);
    expect(r2.body.refreshToken).not.toBe(first.refreshToken);

    const reuse = await fx.api.post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // the token rotated from it is revoked with it
    expect((await fx.api.post('/api/v1/auth/refresh', { refreshToken: r2.body.refreshToken })).status).toBe(401);
    // a forged one gets the same answer as a reused one
    const forged = await fx.api.post('/api/v1/auth/refresh', { refreshToken: `${first.refreshToken.slice(0, -4)}AAAA` });
    expect(problem(forged.body)).toEqual(problem(reuse.body));
    // amy's other sign-in lives on
    expect((await fx.api.post('/api/v1/auth/refresh', { refreshToken: second.refreshToken })).status).toBe(200);
    figures.refreshReuse = { reuse: reuse.status, familyRevoked: true, otherSessionKept: true };
  });

  it('cannot be revoked by another user (logout with someone else’s refresh token changes nothing)', async () => {
    const amys = (await login(amy.email, password)).body;
    const out = await ben.client.post('/api/v1/auth/logout', { refreshToken: amys.refreshToken });
    expect(out.status).toBe(204);
    expect((await fx.api.post('/api/v1/auth/refresh', { refreshToken: amys.refreshToken })).status).toBe(200);
  });

  it('stop working when the account is disabled', async () => {
    const carl = await registerCustomer(fx, 'carl');
    const session = (await login(carl.email, password)).body;
    expect((await fx.admin.patch(`/api/v1/users/${carl.id}`, { disabled: true })).status).toBe(200);
    expect((await fx.api.post('/api/v1/auth/refresh', { refreshToken: session.refreshToken })).status).toBe(401);
  });
});

// ------------------------------------------------------------------------------ forged tokens

const now = () => Math.floor(Date.now() / 1000);

describe('forged access tokens', () => {
  const realKey = createPrivateKey(signingPem);
  const kid = signingKey!.kid;
  const foreignEc = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
  const foreignRsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const claims = (overrides: Record<string, unknown> = {}) => ({
    sub: adminId,
    role: 'admin',
    iss: 'helmdesk',
    aud: 'helmdesk-api',
    iat: now(),
    exp: now() + 600,
    jti: randomUUID(),
    ...overrides,
  });
  const es = (payload: Record<string, unknown>, key: KeyObject = realKey, header: Record<string, unknown> = { kid }) =>
    signJwt({ alg: 'ES256', typ: 'JWT', ...header }, payload, key);
  let attackerJwks: http.Server;
  let jkuUrl = '';

  beforeAll(async () => {
    // An attacker's JWKS, for tokens that point at it (jku) or carry their own key (jwk).
    const jwk = { ...createPublicKey(foreignEc).export({ format: 'jwk' }), kid: 'attacker', alg: 'ES256', use: 'sig' };
    attackerJwks = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((r) => attackerJwks.listen(0, '127.0.0.1', () => r()));
    jkuUrl = `http://127.0.0.1:${(attackerJwks.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(() => {
    attackerJwks?.close();
  });

  /** Routes of each service and the gateway, all admin-only except /auth/me and /cases. */
  const routes = ['/api/v1/auth/me', '/api/v1/cases', '/api/v1/users', '/api/v1/agents', '/api/v1/notifications', '/metrics'];

  function forgeries(): [string, string][] {
    const publicKey = createPublicKey(realKey);
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' };
    const tampered = (() => {
      const [h, , s] = es(claims({ role: 'customer', sub: amy.id })).split('.');
      return `${h}.${b64(claims())}.${s}`;
    })();
    return [
      ['alg none', `${b64({ alg: 'none', typ: 'JWT', kid })}.${b64(claims())}.`],
      ['alg None, no kid', `${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims())}.`],
      ['alg NONE with a signature', `${b64({ alg: 'NONE', kid })}.${b64(claims())}.${es(claims()).split('.')[2]}`],
      ['signature stripped', `${es(claims()).split('.').slice(0, 2).join('.')}.`],
      ['HS256 keyed with the public key PEM', signHs256({ alg: 'HS256', typ: 'JWT', kid }, claims(), pem)],
      ['HS256 keyed with the public key DER', signHs256({ alg: 'HS256', typ: 'JWT', kid }, claims(), publicKey.export({ type: 'spki', format: 'der' }))],
      ['HS256 keyed with the JWK JSON', signHs256({ alg: 'HS256', typ: 'JWT', kid }, claims(), JSON.stringify(jwk))],
      ['foreign EC key, published kid', es(claims(), foreignEc)],
      ['foreign EC key, unknown kid', es(claims(), foreignEc, { kid: 'attacker' })],
      ['foreign key via jku', es(claims(), foreignEc, { kid: 'attacker', jku: jkuUrl })],
      ['foreign key via embedded jwk', es(claims(), foreignEc, { jwk: { ...createPublicKey(foreignEc).export({ format: 'jwk' }) } })],
      ['foreign RSA key as RS256, published kid', signJwt({ alg: 'RS256', typ: 'JWT', kid }, claims(), foreignRsa)],
      ['kid path traversal', es(claims(), foreignEc, { kid: '../../../../dev/null' })],
      ['payload tampered (customer → admin)', tampered],
      ['expired', es(claims({ iat: now() - 3600, exp: now() - 60 }))],
      ['not yet valid (nbf)', es(claims({ nbf: now() + 3600 }))],
      ['wrong audience', es(claims({ aud: 'another-api' }))],
      ['wrong issuer', es(claims({ iss: 'evil' }))],
      ['no exp', es(Object.fromEntries(Object.entries(claims()).filter(([k]) => k !== 'exp')))],
      ['no jti', es(Object.fromEntries(Object.entries(claims()).filter(([k]) => k !== 'jti')))],
      ['unknown role', es(claims({ role: 'superadmin' }))],
      ['sub not a string', es(claims({ sub: 42 }))],
      ['garbage', 'not.a.jwt'],
      ['empty bearer', ''],
    ];
  }

  it('accepts a correctly signed admin token (the control: the forgeries below differ in one thing)', async () => {
    const control = fx.api.as(es(claims()));
    for (const route of routes) expect((await control.get(route)).status).toBe(200);
  });

  it('refuses every forgery with 401 problem+json on routes of every service, through the gateway', async () => {
    const probes: Probe[] = forgeries().flatMap(([name, token]) =>
      routes.map((route) => ({ name: `${name} → ${route}`, as: fx.api.as(token), method: 'GET', path: route, expect: [401] })),
    );
    const failures = await runProbes(probes, results);
    expect(failures).toEqual([]);
    figures.forgery = { kinds: forgeries().length, routes: routes.length, accepted: results.filter((r) => r.name.includes('→') && r.status < 300).length };
  });

  it('refuses them at each service too, past the gateway', async () => {
    const direct = { auth: '/api/v1/auth/me', case: '/api/v1/cases', agent: '/api/v1/agents', notification: '/api/v1/notifications' } as const;
    const probes: Probe[] = forgeries().flatMap(([name, token]) =>
      Object.entries(direct).map(([service, route]) => ({
        name: `${name} → ${service} directly`,
        as: new ApiClient(`http://127.0.0.1:${fx.platform.ports[service as keyof typeof direct]}`, token),
        method: 'GET',
        path: route,
        expect: [401],
      })),
    );
    expect(await runProbes(probes, results)).toEqual([]);
  });

  it('does not accept a token in other places than the Authorization header, or with another scheme', async () => {
    const token = es(claims());
    const probes: Probe[] = [
      { name: 'token as query parameter', as: fx.api, method: 'GET', path: `/api/v1/users?access_token=${token}`, expect: [400, 401] },
      { name: 'token in a cookie', as: fx.api, method: 'GET', path: '/api/v1/users', headers: { cookie: `token=${token}` }, expect: [401] },
      { name: 'Basic scheme', as: fx.api, method: 'GET', path: '/api/v1/users', headers: { authorization: `Basic ${token}` }, expect: [401] },
    ];
    expect(await runProbes(probes, results)).toEqual([]);
  });
});

// --------------------------------------------------------------------- sign-in brute force

describe('sign-in brute force and account enumeration', () => {
  it('answers an unknown email, a wrong password and a disabled account with the same 401', async () => {
    const dora = await registerCustomer(fx, 'dora');
    expect((await fx.admin.patch(`/api/v1/users/${dora.id}`, { disabled: true })).status).toBe(200);
    const unknown = await login(`nobody-${fx.run}@security.test`, 'wrong-password-1');
    const wrong = await login(ben.email, 'wrong-password-1');
    const disabled = await login(dora.email, password);
    for (const r of [unknown, wrong, disabled]) {
      expect(r.status).toBe(401);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(problem(unknown.body)).toEqual(problem(wrong.body));
    expect(problem(disabled.body)).toEqual(problem(wrong.body));
    figures.enumeration = { sameAnswer: true, status: 401 };
  });

  it(`limits failures per account: after ${perAccount}, 429 with Retry-After, even for the right password`, async () => {
    const eve = await registerCustomer(fx, 'eve');
    const statuses: number[] = [];
    for (let i = 0; i < perAccount; i++) statuses.push((await login(eve.email, `wrong-password-${i}`)).status);
    expect(statuses).toEqual(Array(perAccount).fill(401));
    const limited = await login(eve.email, 'wrong-password-x');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 900).toBe(true);
    const right = await login(eve.email, password);
    expect(right.status).toBe(429);
    expect(right.body.accessToken).toBeUndefined();
    // other accounts are not affected by eve's limit
    expect((await login(amy.email, password)).status).toBe(200);
    figures.perAccount = { limit: perAccount, limitedStatus: limited.status, retryAfterS: retryAfter, rightPasswordWhileLimited: right.status };
  });

  it('limits an unknown email the same way, so a 429 does not reveal whether an account exists', async () => {
    const ghost = `ghost-${fx.run}@security.test`;
    for (let i = 0; i < perAccount; i++) expect((await login(ghost, `wrong-password-${i}`)).status).toBe(401);
    const limited = await login(ghost, 'wrong-password-x');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it(`limits failures per client address (${perAddress}); a forged X-Forwarded-For does not reset it`, async () => {
    const fresh = await registerCustomer(fx, 'fred');
    let failures = 0;
    let limitedAt = 0;
    for (let i = 0; i < perAddress + 5 && !limitedAt; i++) {
      const res = await login(`spray-${i}-${fx.run}@security.test`, 'wrong-password-1');
      if (res.status === 429) limitedAt = i + 1;
      else failures++;
    }
    expect(limitedAt).toBeGreaterThan(0);
    const right = await login(fresh.email, password);
    expect(right.status).toBe(429);
    const spoofed = await login(fresh.email, password, { 'x-forwarded-for': '203.0.113.7', 'x-real-ip': '203.0.113.8', forwarded: 'for=203.0.113.9' });
    expect(spoofed.status).toBe(429);
    figures.perAddress = { limit: perAddress, sprayFailuresBeforeLimit: failures, rightPasswordWhileLimited: right.status, spoofedXff: spoofed.status };
  });
});
