import { sql, type Kysely } from 'kysely';
import { Conflict, type Logger, type Outbox } from '@helmdesk/platform';
import { generatePassword, type PasswordHasher } from '../security/passwords';
import type { AuthDatabase } from '../store/tables';
import { anyAdminExists } from '../store/users';
import { createAccount } from './users';

class AdminExists extends Error {}

export type FirstAdminOutcome = 'exists' | 'created' | 'email-taken';

/** The line that shows a generated password: printed once, when the account is created. */
export function generatedPasswordLine(email: string, password: string, what = 'first admin created'): string {
  return `helmdesk-auth: ${what}: email=${email} password=${password} (shown once, not stored anywhere: keep it now)\n`;
}

/**
 * At start: when no admin exists, creates one from HELMDESK_ADMIN_EMAIL / HELMDESK_ADMIN_PASSWORD,
 * or with a generated password printed once on stdout. Replicas starting together serialize on a
 * transaction-scoped advisory lock and re-check, so exactly one creates it. An email already used
 * by a non-admin account is never promoted (whoever registered it knows its password): the service
 * logs an error and starts without creating an admin (use `npm run admin:create`).
 */
export async function ensureFirstAdmin(
  deps: { db: Kysely<AuthDatabase>; outbox: Outbox; passwords: PasswordHasher; logger: Logger },
  admin: { email: string; password?: string | undefined },
  print: (line: string) => void,
): Promise<FirstAdminOutcome> {
  if (await anyAdminExists(deps.db)) return 'exists';
  const password = admin.password ?? generatePassword();
  try {
    const user = await createAccount(
      deps,
      { email: admin.email, name: 'Administrator', role: 'admin', password },
      undefined,
      async (trx) => {
        await sql`select pg_advisory_xact_lock(hashtext('helmdesk:auth:first-admin'))`.execute(trx);
        if (await anyAdminExists(trx)) throw new AdminExists();
      },
    );
    deps.logger.info({ userId: user.id, email: user.email, passwordFrom: admin.password ? 'HELMDESK_ADMIN_PASSWORD' : 'generated' }, 'first admin created');
    if (!admin.password) print(generatedPasswordLine(user.email, password));
    return 'created';
  } catch (err) {
    if (err instanceof AdminExists) return 'exists';
    if (err instanceof Conflict) {
      deps.logger.error(
        { email: admin.email },
        'no admin exists and HELMDESK_ADMIN_EMAIL belongs to a non-admin account; no admin was created (use npm run admin:create)',
      );
      return 'email-taken';
    }
    throw err;
  }
}
