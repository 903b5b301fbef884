import type { Express } from 'express';
import {
  createJwksVerifier,
  createTokenSigner,
  publicJwk,
  ServiceHost,
  type Logger,
  type PublicJwk,
  type SigningKey,
} from '@helmdesk/platform';
import type { AuthConfig } from './config';
import { authEventHandlers } from './events/handlers';
import { AuthHousekeeping } from './housekeeping';
import { authServiceRoutes } from './http/routes';
import { authMigrations } from './migrations';
import { PasswordHasher } from './security/passwords';
import { loadSigningKeys } from './security/signing-keys';
import type { AuthDatabase } from './store/tables';
import type { AuthDeps } from './use-cases/deps';
import { ensureFirstAdmin, type FirstAdminOutcome } from './use-cases/first-admin';

export interface AuthServiceOverrides {
  logger?: Logger;
  /** Where a generated first-admin password is shown (default: one line on stdout). */
  print?: (line: string) => void;
}

export interface AuthService {
  host: ServiceHost<AuthDatabase>;
  app: Express;
  /** The configured signing keys, oldest first (the last one signs). */
  keys: SigningKey[];
  deps: AuthDeps;
  /** Creates the first admin when there is none (done by `start`; tests call it directly). */
  ensureFirstAdmin(): Promise<FirstAdminOutcome>;
  /** Migrates, creates the first admin if needed, listens (default: PORT; 0 = any free port), relays, consumes. */
  start(port?: number, hostname?: string): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The auth service: accounts, sign-in with access and refresh tokens, the JWKS, and account
 * administration, in Postgres schema `auth`. It verifies access tokens with its own keys.
 */
export function createAuthService(config: AuthConfig, overrides: AuthServiceOverrides = {}): AuthService {
  const { keys, origin, file } = loadSigningKeys(config);
  const jwks: PublicJwk[] = keys.map(publicJwk);
  const verifier = createJwksVerifier({ keys: () => jwks, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const host = new ServiceHost<AuthDatabase>({
    service: 'auth',
    schema: 'auth',
    env: config,
    migrations: authMigrations,
    verifier,
    ...(overrides.logger ? { logger: overrides.logger } : {}),
  });
  host.logger.info({ keys: keys.map((k) => ({ kid: k.kid, alg: k.alg })), origin, ...(file ? { file } : {}) }, 'signing keys loaded');
  const passwords = new PasswordHasher(config.BCRYPT_COST);
  const deps: AuthDeps = {
    db: host.db,
    outbox: host.outbox,
    passwords,
    signer: createTokenSigner({
      keys,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ttlSeconds: config.JWT_ACCESS_TTL_SECONDS,
    }),
    limits: {
      maxPerAccount: config.LOGIN_MAX_FAILURES_PER_ACCOUNT,
      maxPerAddress: config.LOGIN_MAX_FAILURES_PER_ADDRESS,
      windowSeconds: config.LOGIN_WINDOW_SECONDS,
    },
    refreshTtlSeconds: config.REFRESH_TTL_SECONDS,
  };
  const app = host.createApp(
    authServiceRoutes({ ...deps, jwks: () => jwks }),
    config.TRUST_PROXY !== undefined ? { trustProxy: config.TRUST_PROXY } : {},
  );
  const print = overrides.print ?? ((line: string) => void process.stdout.write(line));
  const firstAdmin = () =>
    ensureFirstAdmin(
      { db: host.db, outbox: host.outbox, passwords, logger: host.logger },
      { email: config.HELMDESK_ADMIN_EMAIL, password: config.HELMDESK_ADMIN_PASSWORD },
      print,
    );
  const housekeeping = new AuthHousekeeping({ db: host.db, logger: host.logger, windowSeconds: config.LOGIN_WINDOW_SECONDS });
  return {
    host,
    app,
    keys,
    deps,
    ensureFirstAdmin: firstAdmin,
    async start(port = config.PORT, hostname?: string) {
      await host.migrate();
      await firstAdmin();
      await passwords.dummyHash();
      await host.start({
        app,
        port,
        ...(hostname ? { host: hostname } : {}),
        migrate: false,
        handlers: authEventHandlers(host.outbox),
        workers: [housekeeping],
      });
    },
    stop: () => host.stop(),
  };
}
