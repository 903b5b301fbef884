import { createLogger } from '@helmdesk/platform';
import { adminCreate } from '../../src/cli/admin-create-command';
import { createAuthService } from '../../src/service';
import { login, newAccount, register, startAuthService, type AuthServiceFixture } from './fixture';

jest.setTimeout(60_000);

const silent = createLogger('auth-test', 'silent');

async function admins(fx: AuthServiceFixture) {
  return fx.svc.host.db.selectFrom('users').select(['id', 'email']).where('role', '=', 'admin').execute();
}

describe('the first admin at start', () => {
  let fx: AuthServiceFixture;

  beforeAll(async () => {
    fx = await startAuthService({ firstAdmin: false, env: { HELMDESK_ADMIN_PASSWORD: '', HELMDESK_ADMIN_EMAIL: 'boss@helmdesk.test' } });
  });

  afterAll(async () => {
    await fx.stop();
  });

  it('when replicas start together on an empty database, then exactly one admin is created and its generated password printed once', async () => {
    const lines: string[] = [];
    const replicas = [fx.svc, ...[1, 2].map(() => createAuthService(fx.config, { logger: silent, print: (l) => lines.push(l) }))];
    try {
      const outcomes = await Promise.all(replicas.map((r) => r.ensureFirstAdmin()));
      expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
      expect(outcomes.filter((o) => o === 'exists')).toHaveLength(2);
    } finally {
      await Promise.all(replicas.slice(1).map((r) => r.stop()));
    }
    expect(await admins(fx)).toEqual([{ id: expect.any(String), email: 'boss@helmdesk.test' }]);
    const printed = [...fx.printed, ...lines];
    expect(printed).toHaveLength(1);
    const line = printed[0]!;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trim().split('\n')).toHaveLength(1);
    const password = /password=(\S+)/.exec(line)![1]!;
    expect(password.length).toBeGreaterThanOrEqual(20);
    const session = await login(fx, 'boss@helmdesk.test', password);
    expect(session.user.role).toBe('admin');
    // Never again: a restart finds the admin and prints nothing.
    expect(await fx.svc.ensureFirstAdmin()).toBe('exists');
    expect(fx.printed).toHaveLength(printed.length - lines.length);
    const created = await fx.svc.host.db.selectFrom('outbox').select('payload').where('topic', '=', 'user.created').execute();
    expect(created.map((r) => (r.payload as { data: { email: string } }).data.email)).toEqual(['boss@helmdesk.test']);
    expect(JSON.stringify(created)).not.toContain(password);
  });
});

describe('the first admin from the environment', () => {
  it('when HELMDESK_ADMIN_PASSWORD is set, then that is the password and nothing is printed', async () => {
    const fx = await startAuthService();
    try {
      expect(fx.printed).toEqual([]);
      expect((await login(fx, fx.admin.email, fx.admin.password)).user.role).toBe('admin');
    } finally {
      await fx.stop();
    }
  });

  it('when HELMDESK_ADMIN_EMAIL already belongs to a customer, then it is not promoted and no admin is created', async () => {
    const fx = await startAuthService({ firstAdmin: false, env: { HELMDESK_ADMIN_EMAIL: 'taken@helmdesk.test' } });
    try {
      const squatter = await register(fx, { email: 'Taken@helmdesk.test', password: 'squatter-password', name: 'Squatter' });
      expect(await fx.svc.ensureFirstAdmin()).toBe('email-taken');
      expect(await admins(fx)).toEqual([]);
      expect((await login(fx, squatter.email, squatter.password)).user.role).toBe('customer');
      expect(fx.printed).toEqual([]);
    } finally {
      await fx.stop();
    }
  });
});

describe('npm run admin:create', () => {
  let fx: AuthServiceFixture;

  beforeAll(async () => {
    fx = await startAuthService();
  });

  afterAll(async () => {
    await fx.stop();
  });

  function run(args: string[], env: NodeJS.ProcessEnv = { DATABASE_URL: fx.db.url, BCRYPT_COST: '4', LOG_LEVEL: 'silent' }) {
    const out: string[] = [];
    const err: string[] = [];
    return adminCreate(args, env, { out: (t) => out.push(t), err: (t) => err.push(t) }).then((code) => ({ code, out: out.join(''), err: err.join('') }));
  }

  it('when only an email is given, then an admin is created, its generated password printed once, and user.created written', async () => {
    const email = newAccount('cli').email;
    const result = await run(['--email', email, '--name', 'Ops Admin']);
    expect(result.code).toBe(0);
    expect(result.err).toBe('');
    const password = /password=(\S+)/.exec(result.out)![1]!;
    expect(result.out.match(new RegExp(password.replace(/[-]/g, '\\-'), 'g'))).toHaveLength(1);
    const session = await login(fx, email, password);
    expect(session.user).toMatchObject({ email, name: 'Ops Admin', role: 'admin' });
    const event = await fx.svc.host.db.selectFrom('outbox').select('payload').where('key', '=', session.user.id).executeTakeFirstOrThrow();
    expect(event.payload).toMatchObject({ type: 'user.created', source: '/helmdesk/auth', data: { userId: session.user.id, role: 'admin' } });
  });

  it('when a password is given, then it is used and not printed', async () => {
    const email = newAccount('cli').email;
    const result = await run(['--email', email, '--password', 'chosen-password-1']);
    expect(result.code).toBe(0);
    expect(result.out).not.toContain('chosen-password-1');
    expect((await login(fx, email, 'chosen-password-1')).user.name).toBe('Administrator');
  });

  it('when the email exists, then exit 1 and nothing changes', async () => {
    const result = await run(['--email', fx.admin.email.toUpperCase()]);
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/already exists/);
  });

  it.each([
    [['--name', 'x'], /--email is required/],
    [['--email', 'not-an-email'], /--email/],
    [['--email', 'a@b.co', '--password', 'short'], /--password/],
    [['--email', 'a@b.co', '--role', 'admin'], /Unknown option/],
  ])('when the arguments are %j, then exit 64 with usage', async (args, message) => {
    const result = await run(args);
    expect(result.code).toBe(64);
    expect(result.err).toMatch(message);
  });

  it('when DATABASE_URL is missing, then exit 78 naming it', async () => {
    const result = await run(['--email', 'a@b.co'], {});
    expect(result.code).toBe(78);
    expect(result.err).toMatch(/DATABASE_URL/);
  });
});
