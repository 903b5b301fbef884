import { execFileSync } from 'node:child_process';

/** Addresses of the local stack (scripts/stack.sh), overridable like the services' own config. */
export const stackEnv = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://helmdesk:helmdesk@127.0.0.1:5432/helmdesk',
  kafkaBrokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  smtpUrl: process.env.SMTP_URL ?? 'smtp://127.0.0.1:1025',
  mailDir: process.env.HELMDESK_MAIL_DIR ?? `${__dirname}/../../../.helmdesk/mail`,
};

/**
 * Drives the local stack (scripts/stack.sh) from fault tests: `down kafka`, `up kafka`,
 * `kill kafka`. Only the `fault` Jest project, which runs alone and in band, may use it.
 */
export function stackCommand(...args: string[]): void {
  execFileSync('bash', [`${__dirname}/../../../scripts/stack.sh`, ...args], { stdio: 'pipe' });
}
