import { z } from 'zod';

/** Thrown when the environment does not satisfy a service's config schema. */
export class ConfigError extends Error {
  constructor(readonly issues: { variable: string; message: string }[]) {
    super(
      'invalid configuration: ' + issues.map((i) => `${i.variable}: ${i.message}`).join('; '),
    );
    this.name = 'ConfigError';
  }
}

/**
 * Parses `env` with a zod object whose keys are environment variable names.
 * Empty strings count as unset, so `FOO=` falls back to the default.
 */
export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const variable = issue.path.join('.') || '(environment)';
        return { variable, message: input[variable] === undefined ? 'is required' : issue.message };
      }),
    );
  }
  return result.data;
}

/**
 * Loads config or stops the process with one line naming the variable(s), as operators expect
 * from a misconfigured pod: no stack trace, exit code 78 (EX_CONFIG).
 */
export function loadConfigOrExit<S extends z.ZodObject>(schema: S, service: string): z.infer<S> {
  try {
    return loadConfig(schema);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${service}: ${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
}

// Reusable pieces of service config schemas.

export const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const portFromEnv = z.coerce.number().int().min(1).max(65535);

export const commaList = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string()).min(1));

export const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export const baseConfig = {
  LOG_LEVEL: logLevel.default('info'),
  /** Graceful shutdown: how long in-flight requests may take after SIGTERM. */
  SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(120_000).default(10_000),
  /**
   * Fault injection for the reliability tests only: the process kills itself (SIGKILL) right after
   * the relay's batch was acked and before it is marked published, or right after a consumed
   * event's transaction committed and before its offset is committed. Never set in production.
   */
  HELMDESK_FAULT_INJECTION: z.enum(['relay-exit-after-send', 'consumer-exit-after-commit']).optional(),
};

export const databaseConfig = {
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  /** Named prepared statements (ADR 0023); `false` behind a transaction-mode pooler such as PgBouncer < 1.21. */
  DATABASE_PREPARED_STATEMENTS: booleanFromEnv.default(true),
};

export const kafkaConfig = {
  KAFKA_BROKERS: commaList,
  KAFKA_TOPIC_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only')
    .default(''),
};

export const jwtVerifyConfig = {
  JWKS_URL: z.url(),
  JWT_ISSUER: z.string().default('helmdesk'),
  JWT_AUDIENCE: z.string().default('helmdesk-api'),
};
