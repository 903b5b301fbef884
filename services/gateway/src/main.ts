import { loadConfigOrExit, stopOnSignals } from '@helmdesk/platform';
import { gatewayConfigSchema } from './config';
import { createGateway } from './gateway';

async function main(): Promise<void> {
  const config = loadConfigOrExit(gatewayConfigSchema, 'gateway');
  const gateway = createGateway(config);
  await gateway.start();
  stopOnSignals(gateway.logger, () => gateway.stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
