import { z } from 'zod';
import { baseConfig, logLevel, portFromEnv } from '@helmdesk/platform';

const upstream = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));

export const gatewayConfigSchema = z.object({
  ...baseConfig,
  LOG_LEVEL: logLevel.default('info'),
  HELMDESK_PORT: portFromEnv.default(8080),
  HELMDESK_HOST: z.string().default('0.0.0.0'),
  AUTH_URL: upstream.default('http://127.0.0.1:8081'),
  CASE_URL: upstream.default('http://127.0.0.1:8082'),
  AGENT_URL: upstream.default('http://127.0.0.1:8083'),
  NOTIFICATION_URL: upstream.default('http://127.0.0.1:8084'),
  /** Defaults to the auth service's `/.well-known/jwks.json`. */
  JWKS_URL: z.url().optional(),
  JWT_ISSUER: z.string().default('helmdesk'),
  JWT_AUDIENCE: z.string().default('helmdesk-api'),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  /** The console's static build; the gateway serves it at `/` when the folder exists. */
  CONSOLE_DIR: z.string().default('services/console/dist'),
});

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
