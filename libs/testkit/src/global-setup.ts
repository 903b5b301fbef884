import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * Integration and end-to-end tests need the real stack: start it unless the environment points
 * at one already (DATABASE_URL and KAFKA_BROKERS given). `stack.sh up` is idempotent and fast
 * when everything runs, so the whole test run shares one stack.
 */
export default function globalSetup(): void {
  if (process.env.HELMDESK_STACK_EXTERNAL === 'true') return;
  const root = resolve(__dirname, '../../..');
  execFileSync('bash', [resolve(root, 'scripts/stack.sh'), 'up'], { stdio: 'inherit', cwd: root });
}
