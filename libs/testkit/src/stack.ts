import { execFileSync } from 'node:child_process';

/**
 * Addresses of the local stack (scripts/stack.sh), overridable like the services' own config:
 * DATABASE_URL, KAFKA_BROKERS and SMTP_URL win; otherwise the stack's own port variables
 * (HELMDESK_PG_PORT, HELMDESK_KAFKA_PORT, HELMDESK_SMTP_PORT) are followed, as `stack.sh` does, so
 * a stack moved to other ports is the one the tests use.
 */
export function stackEnvFrom(env: NodeJS.ProcessEnv) {
  const pg = env.HELMDESK_PG_PORT || '5432';
  const kafka = env.HELMDESK_KAFKA_PORT || '9092';
  const smtp = env.HELMDESK_SMTP_PORT || '1025';
  return {
    databaseUrl: env.DATABASE_URL ?? `postgres://helmdesk:helmdesk@127.0.0.1:${pg}/helmdesk`,
    kafkaBrokers: (env.KAFKA_BROKERS ?? `127.0.0.1:${kafka}`).split(','),
    smtpUrl: env.SMTP_URL ?? `smtp://127.0.0.1:${smtp}`,
    mailDir: env.HELMDESK_MAIL_DIR ?? `${__dirname}/../../../.helmdesk/mail`,
  };
}

export const stackEnv = stackEnvFrom(process.env);

/**
 * Drives the local stack (scripts/stack.sh) from fault tests: `down kafka`, `up kafka`,
 * `kill kafka`. Only the `fault` Jest project, which runs alone and in band, may use it.
 */
export function stackCommand(...args: string[]): void {
  execFileSync('bash', [`${__dirname}/../../../scripts/stack.sh`, ...args], { stdio: 'pipe' });
}
