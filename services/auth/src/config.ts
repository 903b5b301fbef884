import { z } from 'zod';
import {
  baseConfig,
  databaseConfig,
  kafkaConfig,
  parseSigningKeys,
  portFromEnv,
} from '@helmdesk/platform';
import { passwordSchema } from './domain/user';

const seconds = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/**
 * `TRUST_PROXY`: whose `X-Forwarded-For` gives the client address (the per-address login limit).
 * `true` trusts exactly one hop — the gateway, which overwrites the header with the address it
 * saw —, `false` none, a number that many hops, anything else is an Express subnet list
 * (`loopback, 10.0.0.0/8`). Unset: the platform default (loopback, link-local, private ranges).
 */
export const trustProxySchema = z.string().transform((v): boolean | number | string => {
  const t = v.trim().toLowerCase();
  if (t === 'true' || t === 'yes' || t === '1') return 1;
  if (t === 'false' || t === 'no' || t === '0') return false;
  if (/^\d+$/.test(t)) return Number(t);
  return v.trim();
});

/**
 * PEM private keys as in a Secret or an env var; a value with literal `\n` escapes (one-line
 * env files) is accepted too.
 */
export function normalizePem(value: string): string {
  return value.includes('\n') ? value : value.replace(/\\n/g, '\n');
}

const signingKeysSchema = z.string().refine(
  (value) => {
    try {
      return parseSigningKeys(normalizePem(value)).length > 0;
    } catch {
      return false;
    }
  },
  { message: 'must be one or more PEM private keys (EC P-256 or RSA ≥ 2048 bits; PKCS#8 or SEC1/PKCS#1)' },
);

/** The auth service's environment (docs: services/auth/README.md). */
export const authConfigSchema = z
  .object({
    ...baseConfig,
    ...databaseConfig,
    ...kafkaConfig,
    PORT: portFromEnv.default(8081),
    /** One or more concatenated PEM private keys: the last one signs, all are published. */
    JWT_SIGNING_KEYS: signingKeysSchema.optional(),
    /** Local runs without JWT_SIGNING_KEYS: a key is generated once into this folder and reused. */
    HELMDESK_DEV_KEYS_DIR: z.string().min(1).optional(),
    JWT_ISSUER: z.string().min(1).default('helmdesk'),
    JWT_AUDIENCE: z.string().min(1).default('helmdesk-api'),
    JWT_ACCESS_TTL_SECONDS: seconds(30, 86_400).default(900),
    REFRESH_TTL_SECONDS: seconds(60, 366 * 86_400).default(30 * 86_400),
    BCRYPT_COST: z.coerce.number().int().min(4).max(16).default(12),
    LOGIN_MAX_FAILURES_PER_ACCOUNT: z.coerce.number().int().min(1).max(100_000).default(10),
    LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().min(1).max(1_000_000).default(50),
    LOGIN_WINDOW_SECONDS: seconds(1, 7 * 86_400).default(900),
    /** The first admin, created at start when no admin exists. */
    HELMDESK_ADMIN_EMAIL: z.email().max(254).default('admin@helmdesk.local'),
    /** Its password; empty: one is generated and printed once. */
    HELMDESK_ADMIN_PASSWORD: passwordSchema.optional(),
    TRUST_PROXY: trustProxySchema.optional(),
  })
  .superRefine((config, ctx) => {
    if (config.JWT_SIGNING_KEYS === undefined && config.HELMDESK_DEV_KEYS_DIR === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['JWT_SIGNING_KEYS'],
        message: 'is required (or set HELMDESK_DEV_KEYS_DIR for local runs)',
      });
    }
  });

export type AuthConfig = z.infer<typeof authConfigSchema>;

/** What the migration Job and the admin CLI get: the database (and, for the CLI, the bcrypt cost). */
export const authMigrateConfigSchema = z.object({ ...baseConfig, ...databaseConfig });

export const adminCliConfigSchema = z.object({
  ...baseConfig,
  ...databaseConfig,
  BCRYPT_COST: z.coerce.number().int().min(4).max(16).default(12),
});
export type AdminCliConfig = z.infer<typeof adminCliConfigSchema>;
