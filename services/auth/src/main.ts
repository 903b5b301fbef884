import { loadConfigOrExit, stopOnSignals } from '@helmdesk/platform';
import { authConfigSchema } from './config';
import { createAuthService } from './service';

async function main(): Promise<void> {
  const config = loadConfigOrExit(authConfigSchema, 'auth');
  const svc = createAuthService(config);
  stopOnSignals(svc.host.logger, () => svc.stop());
  await svc.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`auth: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
