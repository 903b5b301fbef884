import { loadConfigOrExit, stopOnSignals } from '@helmdesk/platform';
import { notificationConfigSchema } from './config';
import { createNotificationService } from './service';

async function main(): Promise<void> {
  const config = loadConfigOrExit(notificationConfigSchema, 'notification');
  const service = createNotificationService(config);
  stopOnSignals(service.host.logger, () => service.stop());
  await service.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`notification: failed to start: ${(err as Error).message}\n`);
  process.exit(1);
});
