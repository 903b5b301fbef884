import type { Kysely } from 'kysely';
import type { Outbox, PlatformTables, TokenSigner } from '@helmdesk/platform';
import type { LoginLimits } from '../domain/login-limit';
import type { PasswordHasher } from '../security/passwords';
import type { AuthDatabase } from '../store/tables';

/** What the auth use cases need; built once by the service (and by the admin CLI, partly). */
export interface AuthDeps {
  db: Kysely<AuthDatabase>;
  outbox: Outbox;
  passwords: PasswordHasher;
  signer: TokenSigner;
  limits: LoginLimits;
  refreshTtlSeconds: number;
}

/** The outbox writes into the platform tables of this schema, inside the caller's transaction. */
export const platformTx = (trx: Kysely<AuthDatabase>) => trx as unknown as Kysely<PlatformTables>;
