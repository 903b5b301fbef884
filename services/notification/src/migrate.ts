import { baseConfig, createDatabase, createLogger, databaseConfig, loadConfigOrExit, migrateToLatest, type Database } from '@helmdesk/platform';
import { z } from 'zod';
import { notificationMigrations } from './migrations';

/** Applies the notification schema's migrations and exits (the chart's pre-install/upgrade hook Job). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(z.object({ ...baseConfig, ...databaseConfig }), 'notification-migrate');
  const logger = createLogger('notification-migrate', config.LOG_LEVEL);
  const database = createDatabase<unknown>({ url: config.DATABASE_URL, schema: 'notifications', logger });
  try {
    const applied = await migrateToLatest(database as Database<unknown>, notificationMigrations, logger);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } finally {
    await database.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`notification-migrate: ${(err as Error).message}\n`);
  process.exit(1);
});
