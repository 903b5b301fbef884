import { z } from 'zod';
import { baseConfig, createDatabase, createLogger, databaseConfig, loadConfigOrExit, migrateToLatest, type Database } from '@helmdesk/platform';
import { caseMigrations } from './migrations';

/** Only what migrating needs: the chart's hook Job runs this before the new pods start. */
const migrateConfigSchema = z.object({ ...baseConfig, ...databaseConfig });

async function migrate(): Promise<void> {
  const config = loadConfigOrExit(migrateConfigSchema, 'case-migrate');
  const logger = createLogger('case-migrate', config.LOG_LEVEL);
  const database = createDatabase<unknown>({ url: config.DATABASE_URL, schema: 'cases', logger, applicationName: 'helmdesk-case-migrate' });
  try {
    const applied = await migrateToLatest(database as Database<unknown>, caseMigrations, logger);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'schema up to date');
  } finally {
    await database.close();
  }
}

migrate().catch((err: unknown) => {
  process.stderr.write(`case-migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
