import { loadConfigOrExit, stopOnSignals } from '@helmdesk/platform';
import { caseConfigSchema } from './config';
import { createCaseService } from './service';

async function main(): Promise<void> {
  const config = loadConfigOrExit(caseConfigSchema, 'case');
  const svc = createCaseService(config);
  stopOnSignals(svc.host.logger, () => svc.stop());
  await svc.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`case: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
