import { parseArgs } from 'node:util';
import { z } from 'zod';
import { eventSources } from '@helmdesk/contracts';
import {
  ConfigError,
  Conflict,
  createDatabase,
  createLogger,
  loadConfig,
  migrateToLatest,
  Outbox,
  type Database,
} from '@helmdesk/platform';
import { adminCliConfigSchema } from '../config';
import { emailSchema, nameSchema, passwordSchema } from '../domain/user';
import { authMigrations } from '../migrations';
import { generatePassword, PasswordHasher } from '../security/passwords';
import type { AuthDatabase } from '../store/tables';
import { generatedPasswordLine } from '../use-cases/first-admin';
import { createAccount } from '../use-cases/users';

export const adminCreateUsage = 'usage: npm run admin:create -- --email <address> [--name <name>] [--password <password>]';

const argsSchema = z.object({
  email: emailSchema,
  name: nameSchema.default('Administrator'),
  password: passwordSchema.optional(),
});

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

/** Exit codes: 0 created, 1 failed (e.g. the email is taken), 64 bad arguments, 78 bad configuration. */
export type ExitCode = 0 | 1 | 64 | 78;

/**
 * `npm run admin:create`: creates an admin account; needs DATABASE_URL only (migrating first,
 * which is a no-op when the service already did). Without --password one is generated and printed
 * once. `user.created` goes to the auth outbox in the same transaction; the auth service's relay
 * publishes it (at once when it runs, else when it starts), so other services learn of the admin.
 */
export async function adminCreate(argv: string[], env: NodeJS.ProcessEnv, io: CliOutput): Promise<ExitCode> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { email: { type: 'string' }, name: { type: 'string' }, password: { type: 'string' }, help: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    io.err(`admin:create: ${(err as Error).message}\n${adminCreateUsage}\n`);
    return 64;
  }
  if (values.help) {
    io.out(`${adminCreateUsage}\n`);
    return 0;
  }
  if (values.email === undefined) {
    io.err(`admin:create: --email is required\n${adminCreateUsage}\n`);
    return 64;
  }
  const args = argsSchema.safeParse(values);
  if (!args.success) {
    io.err(`admin:create: ${args.error.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ')}\n`);
    return 64;
  }
  let config: z.infer<typeof adminCliConfigSchema>;
  try {
    config = loadConfig(adminCliConfigSchema, env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`admin:create: ${err.message}\n`);
    return 78;
  }
  const logger = createLogger('auth-admin-create', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const database = createDatabase<AuthDatabase>({
    url: config.DATABASE_URL,
    schema: 'auth',
    logger,
    applicationName: 'helmdesk-auth-admin-create',
    poolMax: 2,
  });
  try {
    await migrateToLatest(database as Database<unknown>, authMigrations, logger);
    const password = args.data.password ?? generatePassword();
    const user = await createAccount(
      { db: database.db, outbox: new Outbox(eventSources.auth), passwords: new PasswordHasher(config.BCRYPT_COST) },
      { email: args.data.email, name: args.data.name, role: 'admin', password },
    );
    io.out(`helmdesk-auth: admin created: id=${user.id} email=${user.email}\n`);
    if (args.data.password === undefined) io.out(generatedPasswordLine(user.email, password, 'generated password'));
    return 0;
  } catch (err) {
    if (err instanceof Conflict) {
      io.err(`admin:create: ${args.data.email}: ${err.detail}\n`);
      return 1;
    }
    throw err;
  } finally {
    await database.close();
  }
}
