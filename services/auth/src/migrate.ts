import { createDatabase, createLogger, loadConfigOrExit, migrateToLatest, type Database } from '@helmdesk/platform';
import { authMigrateConfigSchema } from './config';
import { authMigrations } from './migrations';

/** Only what migrating needs: the chart's hook Job runs this before the new pods start. */
async function migrate(): Promise<void> {
  const config = loadConfigOrExit(authMigrateConfigSchema, 'auth-migrate');
  const logger = createLogger('auth-migrate', config.LOG_LEVEL);
  const database = createDatabase<unknown>({ url: config.DATABASE_URL, schema: 'auth', logger, applicationName: 'helmdesk-auth-migrate' });
  try {
    const applied = await migrateToLatest(database as Database<unknown>, authMigrations, logger);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } finally {
    await database.close();
  }
}

migrate().catch((err: unknown) => {
  process.stderr.write(`auth-migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
