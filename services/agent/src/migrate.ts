import { createDatabase, createLogger, loadConfigOrExit, migrateToLatest, type Database } from '@helmdesk/platform';
import { agentMigrateConfigSchema } from './config';
import { agentMigrations } from './migrations';

/** Applies the agent service's migrations and exits: the chart's pre-install/pre-upgrade hook Job. */
async function migrate(): Promise<void> {
  const config = loadConfigOrExit(agentMigrateConfigSchema, 'agent-migrate');
  const logger = createLogger('agent-migrate', config.LOG_LEVEL);
  const database = createDatabase<unknown>({ url: config.DATABASE_URL, schema: 'agents', poolMax: 1, logger });
  try {
    const applied = await migrateToLatest(database as Database<unknown>, agentMigrations, logger);
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'nothing to migrate');
  } finally {
    await database.close();
  }
}

migrate().catch((err: unknown) => {
  process.stderr.write(`agent-migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
