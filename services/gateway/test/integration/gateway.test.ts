import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import request from 'supertest';
import { roles, routePolicies, type Role, type ServiceName } from '@helmdesk/contracts';
import { createLogger, loadConfig, parseSigningKeys, generateSigningKeyPem } from '@helmdesk/platform';
import { testAuth } from '@helmdesk/testkit';
import { gatewayConfigSchema } from '../../src/config';
import { createGateway, type Gateway } from '../../src/gateway';

/**
 * The gateway against tiny local upstreams that echo what reached them (the services themselves
 * are tested on their own, and end to end in test/e2e). The auth upstream serves a real JWKS.
 */
interface Seen {
  service: string;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

const auth = testAuth();
const seen: Seen[] = [];
const servers: Server[] = [];
let slowDelayMs = 0;
let readyStatus: Record<string, number> = {};

async function upstream(name: ServiceName): Promise<string> {
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/jwks.json' && name === 'auth') {
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify(auth.jwks()));
    }
    if (req.url === '/readyz') {
      res.statusCode = readyStatus[name] ?? 200;
      return res.end('{}');
    }
    if (req.url === '/openapi.json') {
      res.setHeader('content-type', 'application/json');
      return res.end(JSON.stringify({ openapi: '3.1.0', paths: { [`/api/v1/${name}-thing`]: { get: {} } } }));
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ service: name, method: req.method!, url: req.url!, headers: req.headers });
      const reply = () => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ service: name, bytes: body.length }));
      };
      if (req.url?.includes('slow')) setTimeout(reply, slowDelayMs);
      else reply();
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let gateway: Gateway;
let consoleDir: string;

beforeAll(async () => {
  consoleDir = mkdtempSync(join(tmpdir(), 'console-'));
  mkdirSync(join(consoleDir, 'assets'));
  writeFileSync(join(consoleDir, 'index.html'), '<!doctype html><title>Helmdesk console</title>');
  writeFileSync(join(consoleDir, 'assets', 'app-1234.js'), 'console.log("hi")');
  const config = loadConfig(gatewayConfigSchema, {
    AUTH_URL: await upstream('auth'),
    CASE_URL: await upstream('case'),
    AGENT_URL: await upstream('agent'),
    NOTIFICATION_URL: await upstream('notification'),
    UPSTREAM_TIMEOUT_MS: '500',
    CONSOLE_DIR: consoleDir,
  });
  gateway = createGateway(config, { logger: createLogger('gateway-test', 'silent') });
});

afterAll(async () => {
  await gateway.stop();
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

const concrete = (path: string) =>
  path.replace(/:caseId|:id/g, '6f1c1d2e-4b8a-4f7e-9a3b-2c1d0e9f8a7b').replace(/:key/g, 'case.opened.customer');

const tokens: Record<Role, string> = {
  customer: auth.mint('customer').header,
  agent: auth.mint('agent').header,
  admin: auth.mint('admin').header,
};

type Caller = Role | 'anonymous';
const callers: Caller[] = ['anonymous', ...roles];
const proxied = routePolicies.filter((r) => r.target !== 'gateway');

describe('the route policy table, enforced by the gateway', () => {
  const cases = proxied.flatMap((route) => callers.map((caller) => [route.method, route.path, caller, route] as const));

  it.each(cases)('%s %s as %s', async (method, path, caller, route) => {
    const req = request(gateway.app)[method.toLowerCase() as 'get'](concrete(path));
    if (caller !== 'anonymous') req.set('authorization', tokens[caller]);
    const res = await req;
    const expected =
      route.access === 'public' ? 200 : caller === 'anonymous' ? 401 : route.access.includes(caller) ? 200 : 403;
    expect(res.status).toBe(expected);
    if (expected === 200 && path === '/.well-known/jwks.json') expect(res.body.keys).toHaveLength(1);
    else if (expected === 200) expect(res.body.service).toBe(route.target);
    else expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('routing before authentication', () => {
  it('answers 404 problem for an unknown API path', async () => {
    const res = await request(gateway.app).get('/api/v1/nope').set('accept', 'text/html').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 405 with Allow for a wrong method, even without a token', async () => {
    const res = await request(gateway.app).delete('/api/v1/cases').expect(405);
    expect(res.headers.allow).toBe('POST, GET');
  });

  it('routes /agents/me to the agent policy, not /agents/:id', async () => {
    await request(gateway.app).get('/api/v1/agents/me').set('authorization', tokens.agent).expect(200);
    await request(gateway.app).get('/api/v1/agents/me').set('authorization', tokens.admin).expect(403);
  });
});

describe('what reaches a service', () => {
  it('strips client-sent identity headers, keeps the token, and adds request id and trace context', async () => {
    seen.length = 0;
    await request(gateway.app)
      .get('/api/v1/cases?status=open')
      .set('authorization', tokens.customer)
      .set('x-user-id', 'attacker')
      .set('x-user-role', 'admin')
      .set('x-auth-role', 'admin')
      .set('x-forwarded-user', 'admin')
      .set('x-request-id', 'client-req-1')
      .set('traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01')
      .expect(200);
    const got = seen.at(-1)!;
    expect(got.url).toBe('/api/v1/cases?status=open');
    expect(got.headers['x-user-id']).toBeUndefined();
    expect(got.headers['x-user-role']).toBeUndefined();
    expect(got.headers['x-auth-role']).toBeUndefined();
    expect(got.headers['x-forwarded-user']).toBeUndefined();
    expect(got.headers.authorization).toBe(tokens.customer);
    expect(got.headers['x-request-id']).toBe('client-req-1');
    expect(got.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(got.headers['x-forwarded-for']).toBeDefined();
  });

  it('gives every response an x-request-id', async () => {
    const res = await request(gateway.app).post('/api/v1/auth/login').send({});
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('refuses a body over 1 MiB with 413 before forwarding it', async () => {
    seen.length = 0;
    const res = await request(gateway.app)
      .post('/api/v1/auth/register')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }))
      .expect(413);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(seen).toHaveLength(0);
  });
});

describe('tokens the gateway refuses', () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: '6f1c1d2e-4b8a-4f7e-9a3b-2c1d0e9f8a7b', role: 'admin', iss: 'helmdesk', aud: 'helmdesk-api', iat: now, exp: now + 600, jti: 'j1' };
  const key = auth.keys[0]!;
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const get = (token: string) => request(gateway.app).get('/api/v1/users').set('authorization', `Bearer ${token}`);

  it('accepts a good admin token (control)', async () => {
    await get(jwt.sign(claims, key.privateKey, { algorithm: 'ES256', keyid: key.kid })).expect(200);
  });

  it.each([
    ['alg none', () => `${b64({ alg: 'none', typ: 'JWT', kid: key.kid })}.${b64(claims)}.`],
    [
      'HS256 signed with the public key as secret',
      () => {
        const secret = key.publicKey.export({ format: 'pem', type: 'spki' });
        const head = b64({ alg: 'HS256', typ: 'JWT', kid: key.kid });
        const sig = createHmac('sha256', secret).update(`${head}.${b64(claims)}`).digest('base64url');
        return `${head}.${b64(claims)}.${sig}`;
      },
    ],
    [
      'signed by another key with a published kid',
      () => jwt.sign(claims, parseSigningKeys(generateSigningKeyPem())[0]!.privateKey, { algorithm: 'ES256', keyid: key.kid }),
    ],
    [
      'payload changed after signing',
      () => {
        const [h, , s] = jwt.sign({ ...claims, role: 'customer' }, key.privateKey, { algorithm: 'ES256', keyid: key.kid }).split('.');
        return `${h}.${b64(claims)}.${s}`;
      },
    ],
    ['expired', () => jwt.sign({ ...claims, iat: now - 3600, exp: now - 1800 }, key.privateKey, { algorithm: 'ES256', keyid: key.kid })],
    ['wrong audience', () => jwt.sign({ ...claims, aud: 'other' }, key.privateKey, { algorithm: 'ES256', keyid: key.kid })],
    ['wrong issuer', () => jwt.sign({ ...claims, iss: 'evil' }, key.privateKey, { algorithm: 'ES256', keyid: key.kid })],
    ['unknown kid', () => jwt.sign(claims, key.privateKey, { algorithm: 'ES256', keyid: 'unknown-kid' })],
    [
      'RS256 by a key the JWKS does not have',
      () =>
        jwt.sign(claims, createPrivateKey(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' })), {
          algorithm: 'RS256',
          keyid: key.kid,
        }),
    ],
    ['not a JWT at all', () => 'hello'],
  ])('refuses %s with 401', async (_name, make) => {
    const res = await get(make()).expect(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });
});

describe('upstream trouble', () => {
  it('answers 503 problem when the service is down', async () => {
    const config = loadConfig(gatewayConfigSchema, { CASE_URL: 'http://127.0.0.1:1', CONSOLE_DIR: consoleDir });
    const broken = createGateway(config, { verifier: auth.verifier, logger: createLogger('gw', 'silent') });
    const res = await request(broken.app).get('/api/v1/cases').set('authorization', tokens.customer).expect(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await broken.stop();
  });

  it('answers 504 problem when the service is too slow', async () => {
    slowDelayMs = 1_500;
    const res = await request(gateway.app).get('/api/v1/cases/slow').set('authorization', tokens.customer);
    expect(res.status).toBe(504);
    expect(res.body.title).toBe('Gateway timeout');
  });
});

describe('the gateway’s own endpoints', () => {
  it('is ready only when every service is', async () => {
    readyStatus = {};
    await request(gateway.app).get('/readyz').expect(200);
    readyStatus = { notification: 503 };
    const res = await request(gateway.app).get('/readyz').expect(503);
    expect(res.body.checks.notification.ok).toBe(false);
    readyStatus = {};
  });

  it('serves /metrics to admins only', async () => {
    await request(gateway.app).get('/metrics').expect(401);
    await request(gateway.app).get('/metrics').set('authorization', tokens.agent).expect(403);
    const res = await request(gateway.app).get('/metrics').set('authorization', tokens.admin).expect(200);
    expect(res.text).toContain('http_request_duration_seconds');
  });

  it('merges the services’ OpenAPI documents', async () => {
    const res = await request(gateway.app).get('/api/docs/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth-thing', '/api/v1/case-thing', '/api/v1/agent-thing', '/api/v1/notification-thing']),
    );
    const page = await request(gateway.app).get('/api/docs').expect(200);
    expect(page.text).toContain('/api/v1/cases/:id/history');
  });
});

describe('the web console', () => {
  it('serves its page at / and for client-side routes to browsers', async () => {
    const root = await request(gateway.app).get('/').set('accept', 'text/html').expect(200);
    expect(root.text).toContain('Helmdesk console');
    await request(gateway.app).get('/cases/123').set('accept', 'text/html,application/xhtml+xml').expect(200);
  });

  it('serves assets by path with long caching', async () => {
    const res = await request(gateway.app).get('/assets/app-1234.js').expect(200);
    expect(res.headers['cache-control']).toContain('immutable');
  });

  it('never answers an API client with HTML', async () => {
    const res = await request(gateway.app).get('/cases/123').set('accept', 'application/json').expect(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    await request(gateway.app).post('/').set('accept', 'text/html').expect(404);
  });
});

describe('what browsers get', () => {
  it('compresses text when asked, and never upgrades plain-http requests', async () => {
    writeFileSync(join(consoleDir, 'assets', 'big-5678.js'), 'console.log("x");\n'.repeat(2000));
    const res = await request(gateway.app).get('/assets/big-5678.js').set('accept-encoding', 'gzip').expect(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    const page = await request(gateway.app).get('/').set('accept', 'text/html');
    expect(page.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });
});
