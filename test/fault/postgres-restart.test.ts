import { eventually, platformServices } from '@helmdesk/testkit';
import {
  alive,
  allPages,
  createAgent,
  percentile,
  poller,
  recordFigures,
  registerCustomer,
  sleep,
  stack,
  startFaultPlatform,
  statusCounts,
  steadyLoad,
  type Account,
  type FaultPlatform,
  type LoadSample,
} from './support';

/**
 * Postgres is stopped (fast shutdown: every connection cut) under mixed load and started again.
 * While it is away every request through the gateway gets a 503 problem+json — never a 500, never
 * HTML, never a dropped connection —, and once it is back the same processes (no restart) answer
 * again and finish the work that was accepted before the gap.
 */
jest.setTimeout(300_000);

const gapMs = 8_000;
let fx: FaultPlatform;
let agent: Account;
let customer: Account;

beforeAll(async () => {
  fx = await startFaultPlatform('pg-restart');
  agent = await createAgent(fx, 'gus', { capacity: 50 });
  customer = await registerCustomer(fx, 'hal');
});

afterAll(async () => {
  await stack('up', 'pg').catch((err) => console.error(err));
  await fx?.stop();
});

const tokenOf = (a: Account) => a.client.token!;

describe('Postgres restarted under load', () => {
  it('answers 503 problem+json during the gap and recovers without restarting any service', async () => {
    const pids = Object.fromEntries(platformServices.map((s) => [s, fx.platform.pid(s)]));
    const ready = poller(`${fx.platform.url}/readyz`, 250);
    const ops = [
      () => ({ op: 'open', method: 'POST', path: '/api/v1/cases', token: tokenOf(customer), body: { subject: `pg ${fx.run}`, description: 'under a restart' } }),
      () => ({ op: 'list', method: 'GET', path: '/api/v1/cases?limit=5', token: tokenOf(customer) }),
      () => ({ op: 'me', method: 'GET', path: '/api/v1/auth/me', token: tokenOf(customer) }),
      () => ({ op: 'agent', method: 'GET', path: '/api/v1/agents/me', token: tokenOf(agent) }),
      () => ({ op: 'login', method: 'POST', path: '/api/v1/auth/login', body: { email: customer.email, password: 'customer-password-1' } }),
    ];
    const load = steadyLoad(fx.platform.url, 100, (i) => ops[i % ops.length]!());

    await sleep(5_000);
    const downAt = Date.now();
    await stack('down', 'pg');
    const downDoneAt = Date.now();
    await sleep(gapMs);
    const upAt = Date.now();
    await stack('up', 'pg');
    const upDoneAt = Date.now();
    await sleep(15_000);
    const samples = await load.stop();
    const readyStatuses = await ready.stop();

    // Never a 500, never HTML, never a dropped connection: 2xx or 503 problem+json only.
    const bad = samples.filter((s) => !(s.status >= 200 && s.status < 300) && s.status !== 503);
    expect(bad.map((s) => `${s.op} ${s.status} ${s.error ?? JSON.stringify(s.body).slice(0, 200)}`)).toEqual([]);
    const unavailable = samples.filter((s) => s.status === 503);
    for (const s of unavailable) {
      expect(s.contentType).toMatch(/^application\/problem\+json/);
      expect(s.body).toMatchObject({ status: 503, type: expect.any(String), title: expect.any(String), detail: expect.any(String) });
    }
    // The gap was felt (requests sent while Postgres was down failed) …
    const inGap = samples.filter((s) => s.sentAt >= downDoneAt && s.sentAt < upAt);
    expect(inGap.length).toBeGreaterThan(30);
    expect(inGap.filter((s) => s.status === 503).length).toBeGreaterThan(inGap.length * 0.9);
    // … and everything succeeds again soon after it is back.
    const firstOkAfterUp = samples.filter((s) => s.sentAt >= upDoneAt && s.status < 300).map((s) => s.sentAt - upDoneAt);
    const lastFailure = Math.max(...unavailable.map((s) => s.sentAt));
    const settled: LoadSample[] = samples.filter((s) => s.sentAt >= upDoneAt + 5_000);
    expect(settled.filter((s) => s.status >= 300).map((s) => `${s.op} ${s.status} ${s.sentAt - upDoneAt} ms after up`)).toEqual([]);
    // Readiness is back (probed directly: one sample can time out on a loaded 2-core runner).
    await eventually(async () => (await fetch(`${fx.platform.url}/readyz`)).status === 200, { what: '/readyz 200 again', timeoutMs: 15_000 });
    expect(readyStatuses.some((r) => r.status === 503)).toBe(true);

    // The same processes: pools reconnected, nothing restarted.
    for (const s of platformServices) {
      expect(fx.platform.pid(s)).toBe(pids[s]);
      expect(alive(pids[s])).toBe(true);
    }

    // The work accepted before and after the gap is finished: every opened case is routed.
    const opened = new Set(samples.filter((s) => s.op === 'open' && s.status === 201).map((s) => (s.body as { id: string }).id));
    await eventually(
      async () => {
        const mine = (await allPages(customer.client, '/api/v1/cases')).filter((c) => opened.has(c.id));
        return mine.length === opened.size && mine.every((c) => c.status === 'assigned');
      },
      { what: 'every case opened around the restart assigned', timeoutMs: 90_000, intervalMs: 1_000 },
    );

    const ok = samples.filter((s) => s.status < 300).map((s) => s.doneAt - s.sentAt);
    recordFigures('postgres-restart', {
      requests: samples.length,
      statuses: statusCounts(samples),
      non503Errors: bad.length,
      htmlResponses: samples.filter((s) => s.contentType.includes('html')).length,
      pgStopMs: downDoneAt - downAt,
      pgDownMs: upDoneAt - downDoneAt,
      firstSuccessAfterUpMs: firstOkAfterUp.length ? Math.min(...firstOkAfterUp) : null,
      lastFailureAfterUpMs: lastFailure - upDoneAt,
      okP50Ms: percentile(ok, 50),
      okP99Ms: percentile(ok, 99),
      casesOpened: opened.size,
      casesRouted: opened.size,
      servicesRestarted: 0,
    });
  });
});
