import request from 'supertest';
import { z } from 'zod';
import { Conflict, createHttpApp, createLogger, createMetrics, defineRoute, Reply, type ReadinessReport } from '@helmdesk/platform';
import { testAuth } from '@helmdesk/testkit';

const auth = testAuth();
let ready: ReadinessReport = { ready: true, checks: {} };

const routes = [
  defineRoute({
    method: 'POST',
    path: '/api/v1/things',
    summary: 'Create a thing',
    access: ['customer'],
    status: 201,
    body: z.strictObject({ name: z.string().min(1).max(10), size: z.number().int().optional() }),
    handler: async ({ body, user }) => ({ id: 't1', name: body.name, owner: user!.id }),
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/things/:id',
    summary: 'Read a thing',
    access: ['customer', 'admin'],
    params: z.object({ id: z.uuid() }),
    query: z.strictObject({ verbose: z.enum(['true', 'false']).optional() }),
    handler: async ({ params }) => ({ id: params.id }),
  }),
  defineRoute({
    method: 'GET',
    path: '/api/v1/things/special',
    summary: 'A literal segment beside a parameter',
    access: 'public',
    handler: async () => ({ special: true }),
  }),
  defineRoute({
    method: 'DELETE',
    path: '/api/v1/things/:id',
    summary: 'Delete a thing',
    access: ['admin'],
    handler: async () => {
      throw new Conflict('The thing is in use.');
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/boom',
    summary: 'Fails unexpectedly',
    access: 'public',
    handler: async () => {
      throw new Error('secret internal detail');
    },
  }),
  defineRoute({
    method: 'POST',
    path: '/api/v1/accepted',
    summary: 'Custom status',
    access: 'public',
    handler: async () => new Reply(202, { queued: true }, { location: '/x' }),
  }),
];

const app = createHttpApp({
  service: 'test',
  logger: createLogger('test', 'silent'),
  routes,
  verifier: auth.verifier,
  readiness: async () => ready,
  metrics: createMetrics('test'),
});

const customer = auth.mint('customer');
const admin = auth.mint('admin');
const problemType = /^application\/problem\+json/;

describe('the platform HTTP app', () => {
  it('runs a valid request through auth, validation and the handler', async () => {
    const res = await request(app)
      .post('/api/v1/things')
      .set('authorization', customer.header)
      .send({ name: 'lamp' })
      .expect(201);
    expect(res.body).toEqual({ id: 't1', name: 'lamp', owner: customer.userId });
  });

  it('refuses an unknown field with 400 naming it', async () => {
    const res = await request(app)
      .post('/api/v1/things')
      .set('authorization', customer.header)
      .send({ name: 'lamp', role: 'admin' })
      .expect(400);
    expect(res.headers['content-type']).toMatch(problemType);
    expect(res.body).toMatchObject({ status: 400, title: 'Invalid request', errors: [{ path: 'body.role', message: 'unknown field' }] });
    expect(res.body.detail).toContain('body.role');
  });

  it('lists every failing field path', async () => {
    const res = await request(app)
      .post('/api/v1/things')
      .set('authorization', customer.header)
      .send({ name: '', size: 'big' })
      .expect(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['body.name', 'body.size']);
  });

  it('answers 400 for a missing body and for malformed JSON', async () => {
    await request(app).post('/api/v1/things').set('authorization', customer.header).expect(400);
    const res = await request(app)
      .post('/api/v1/things')
      .set('authorization', customer.header)
      .set('content-type', 'application/json')
      .send('{"name": ')
      .expect(400);
    expect(res.body.detail).toBe('The request body is not valid JSON.');
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await request(app)
      .post('/api/v1/things')
      .set('authorization', customer.header)
      .set('content-type', 'text/plain')
      .send('name=lamp')
      .expect(415);
    expect(res.headers['content-type']).toMatch(problemType);
  });

  it('answers 413 for a 2 MB body', async () => {
    const res = await request(app)
      .post('/api/v1/things')
      .set('authorization', customer.header)
      .send({ name: 'x', pad: 'a'.repeat(2 * 1024 * 1024) })
      .expect(413);
    expect(res.body).toMatchObject({ status: 413, title: 'Payload too large' });
  });

  it('answers 400 for bad path and query parameters', async () => {
    const bad = await request(app).get('/api/v1/things/not-a-uuid').set('authorization', admin.header).expect(400);
    expect(bad.body.errors[0].path).toBe('params.id');
    const q = await request(app)
      .get('/api/v1/things/6f1c1d2e-4b8a-4f7e-9a3b-2c1d0e9f8a7b?debug=1')
      .set('authorization', admin.header)
      .expect(400);
    expect(q.body.errors[0]).toEqual({ path: 'query.debug', message: 'unknown field' });
  });

  it('prefers a literal segment over a parameter', async () => {
    await request(app).get('/api/v1/things/special').expect(200, { special: true });
  });

  it('answers 404 problem for an unknown route and 405 with Allow for a wrong method, before authentication', async () => {
    const missing = await request(app).get('/api/v1/nothing').expect(404);
    expect(missing.headers['content-type']).toMatch(problemType);
    const wrong = await request(app).put('/api/v1/things/6f1c1d2e-4b8a-4f7e-9a3b-2c1d0e9f8a7b').expect(405);
    expect(wrong.headers.allow).toBe('GET, DELETE');
    expect(wrong.body.status).toBe(405);
  });

  it('answers 401 without or with a bad token, and 403 for a role not allowed', async () => {
    const none = await request(app).post('/api/v1/things').send({ name: 'a' }).expect(401);
    expect(none.headers['content-type']).toMatch(problemType);
    await request(app).post('/api/v1/things').set('authorization', 'Bearer abc.def.ghi').send({ name: 'a' }).expect(401);
    await request(app).post('/api/v1/things').set('authorization', 'Basic dXNlcjpwYXNz').send({ name: 'a' }).expect(401);
    const other = testAuth().mint('customer');
    await request(app).post('/api/v1/things').set('authorization', other.header).send({ name: 'a' }).expect(401);
    const forbidden = await request(app).post('/api/v1/things').set('authorization', admin.header).send({ name: 'a' }).expect(403);
    expect(forbidden.body.title).toBe('Forbidden');
  });

  it('maps a thrown typed error to its status', async () => {
    const res = await request(app)
      .delete('/api/v1/things/6f1c1d2e-4b8a-4f7e-9a3b-2c1d0e9f8a7b')
      .set('authorization', admin.header)
      .expect(409);
    expect(res.body).toEqual({
      type: 'https://helmdesk.dev/problems/conflict',
      title: 'Conflict',
      status: 409,
      detail: 'The thing is in use.',
      instance: '/api/v1/things/6f1c1d2e-4b8a-4f7e-9a3b-2c1d0e9f8a7b',
    });
  });

  it('answers an unexpected error with a 500 problem that reveals nothing', async () => {
    const res = await request(app).post('/api/v1/boom').expect(500);
    expect(res.headers['content-type']).toMatch(problemType);
    expect(JSON.stringify(res.body)).not.toContain('secret internal detail');
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts/);
  });

  it('lets a handler choose status and headers', async () => {
    const res = await request(app).post('/api/v1/accepted').expect(202);
    expect(res.headers.location).toBe('/x');
  });

  it('keeps a well-formed x-request-id and replaces a bad one', async () => {
    const kept = await request(app).get('/healthz').set('x-request-id', 'abc-123:x.y_z');
    expect(kept.headers['x-request-id']).toBe('abc-123:x.y_z');
    const replaced = await request(app).get('/healthz').set('x-request-id', 'bad id with spaces');
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves /healthz, /readyz that follows readiness, and /metrics by route template', async () => {
    await request(app).get('/healthz').expect(200, { status: 'ok' });
    await request(app).get('/readyz').expect(200);
    ready = { ready: false, checks: { database: { ok: false } } };
    await request(app).get('/readyz').expect(503);
    ready = { ready: true, checks: {} };
    await request(app).get('/api/v1/things/special');
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/http_request_duration_seconds_count\{[^}]*route="\/api\/v1\/things\/special"/);
  });
});
