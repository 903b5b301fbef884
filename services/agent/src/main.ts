import { loadConfigOrExit, stopOnSignals } from '@helmdesk/platform';
import { agentConfigSchema } from './config';
import { createAgentService } from './service';

async function main(): Promise<void> {
  const config = loadConfigOrExit(agentConfigSchema, 'agent');
  const svc = createAgentService(config);
  stopOnSignals(svc.host.logger, () => svc.stop());
  await svc.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`agent: failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
