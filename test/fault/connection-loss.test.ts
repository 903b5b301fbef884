import pg from 'pg';
import { eventually, platformServices } from '@helmdesk/testkit';
import {
  alive,
  allPages,
  createAgent,
  recordFigures,
  registerCustomer,
  sleep,
  startFaultPlatform,
  statusCounts,
  steadyLoad,
  type Account,
  type FaultPlatform,
} from './support';

/**
 * A database connection dies while a service holds it between two statements of a transaction
 * (what a Postgres restart, a failover or an idle-session killer does to some connection sooner or
 * later). The request using it fails with a 503; the process must not: pg emits 'error' on a
 * checked-out client, and a client without a listener takes the whole process down.
 */
jest.setTimeout(240_000);

let fx: FaultPlatform;
let customer: Account;
const agents: Account[] = [];

beforeAll(async () => {
  fx = await startFaultPlatform('conn-loss');
  for (const name of ['nia', 'oto']) agents.push(await createAgent(fx, name, { capacity: 50 }));
  customer = await registerCustomer(fx, 'pam');
});

afterAll(async () => {
  await fx?.stop();
});

const tokenOf = (a: Account) => a.client.token!;

describe('a database connection cut while a service holds it in a transaction', () => {
  it('fails that request with a 503 and keeps every service running', async () => {
    const pids = Object.fromEntries(platformServices.map((s) => [s, fx.platform.pid(s)]));
    const ops = [
      () => ({ op: 'open', method: 'POST', path: '/api/v1/cases', token: tokenOf(customer), body: { subject: `cut ${fx.run}`, description: 'x' } }),
      () => ({ op: 'claim', method: 'POST', path: '/api/v1/queue/claim', token: tokenOf(agents[0]!) }),
      () => ({ op: 'list', method: 'GET', path: '/api/v1/cases?limit=5', token: tokenOf(customer) }),
      () => ({ op: 'online', method: 'PATCH', path: '/api/v1/agents/me', token: tokenOf(agents[1]!), body: { status: 'online' } }),
    ];
    const load = steadyLoad(fx.platform.url, 25, (i) => ops[i % ops.length]!());

    // Terminate every backend of a Helmdesk service found idle inside a transaction, for 15 s.
    const killer = new pg.Client({ connectionString: fx.db.url, application_name: 'helmdesk-fault-killer' });
    await killer.connect();
    const terminated: Record<string, number> = {};
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      const { rows } = await killer.query<{ pid: number; app: string }>(
        `select pid, application_name as app from pg_stat_activity
          where datname = current_database() and state = 'idle in transaction'
            and application_name like 'helmdesk-%' and application_name <> 'helmdesk-fault-killer'`,
      );
      for (const r of rows) {
        await killer.query('select pg_terminate_backend($1)', [r.pid]);
        terminated[r.app] = (terminated[r.app] ?? 0) + 1;
      }
    }
    await killer.end();
    await sleep(2_000);
    const samples = await load.stop();
    const down = platformServices.filter((s) => !alive(pids[s]));
    recordFigures('connection-loss', { terminated, statuses: statusCounts(samples), servicesDown: down });

    expect(Object.values(terminated).reduce((n, v) => n + v, 0)).toBeGreaterThan(0);
    expect(down).toEqual([]);
    const bad = samples.filter((s) => s.status !== 503 && (s.status >= 500 || s.status === 0));
    expect(bad.map((s) => `${s.op} ${s.status} ${s.error ?? JSON.stringify(s.body).slice(0, 120)}`)).toEqual([]);
    // and it still works: an urgent case opened now goes to the head of the queue, and an agent
    // coming online takes it if the load left every agent full (opening a case is one statement
    // that no cut can catch between two statements, so the load opens cases by the hundred). The
    // agent comes online once the agent service has the case: its consumer may still be catching
    // up on the load's events after the cuts.
    const opened = await customer.client.post('/api/v1/cases', { subject: 'after the cuts', description: 'x', priority: 'urgent' });
    expect(opened.status).toBe(201);
    const known = async () => {
      const queue = await agents[0]!.client.get('/api/v1/queue?limit=100');
      const c = await customer.client.get(`/api/v1/cases/${opened.body.id}`);
      return (queue.body.items ?? []).some((q: { caseId: string }) => q.caseId === opened.body.id) || c.body.status === 'assigned';
    };
    await eventually(known, { what: 'the case known to the agent service', timeoutMs: 60_000 });
    await createAgent(fx, 'pia');
    await eventually(async () => (await allPages(customer.client, '/api/v1/cases')).some((c) => c.id === opened.body.id && c.status === 'assigned'), {
      what: 'a case opened afterwards assigned',
      timeoutMs: 30_000,
    });
  });
});
