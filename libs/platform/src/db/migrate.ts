import { Migrator, sql, type Kysely, type Migration } from 'kysely';
import type { Logger } from '../logger';
import type { Database } from './database';
import { platformMigrations } from './platform-migrations';

export type Migrations = Record<string, Migration>;

function migrator(database: Database<unknown>, migrations: Migrations): Migrator {
  const all = { ...platformMigrations, ...migrations };
  return new Migrator({
    db: database.db as Kysely<unknown>,
    provider: { getMigrations: () => Promise.resolve(all) },
    migrationTableSchema: database.schema,
  });
}

async function withMigrationLock<T>(database: Database<unknown>, run: () => Promise<T>): Promise<T> {
  const client = await database.connect();
  const lockKey = `helmdesk:migrate:${database.schema}`;
  try {
    await client.query('select pg_advisory_lock(hashtext($1))', [lockKey]);
    await client.query(`create schema if not exists "${database.schema}"`);
    return await run();
  } finally {
    await client.query('select pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/**
 * Applies the platform's and the service's migrations, in name order, under a Postgres advisory
 * lock: when several replicas start together, one migrates and the others wait, then find
 * nothing left to do.
 */
export async function migrateToLatest(
  database: Database<unknown>,
  migrations: Migrations,
  logger?: Logger,
): Promise<string[]> {
  return withMigrationLock(database, async () => {
    const { error, results } = await migrator(database, migrations).migrateToLatest();
    const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
    for (const name of applied) logger?.info({ migration: name }, 'migration applied');
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return applied;
  });
}

/** Reverts the newest applied migration (tests prove each migration goes down with data). */
export async function migrateDown(database: Database<unknown>, migrations: Migrations): Promise<string | undefined> {
  return withMigrationLock(database, async () => {
    const { error, results } = await migrator(database, migrations).migrateDown();
    if (error) throw error instanceof Error ? error : new Error(String(error));
    return results?.[0]?.migrationName;
  });
}

/** True when every known migration is recorded as applied. */
export async function migrationsApplied(
  database: Database<unknown>,
  migrations: Migrations,
): Promise<boolean> {
  const expected = Object.keys({ ...platformMigrations, ...migrations });
  const rows = await sql<{ name: string }>`
    select name from ${sql.table(`${database.schema}.kysely_migration`)}
  `
    .execute(database.db as Kysely<unknown>)
    .catch((err: { code?: string }) => {
      if (err.code === '42P01') return { rows: [] as { name: string }[] }; // no table yet
      throw err;
    });
  const applied = new Set(rows.rows.map((r) => r.name));
  return expected.every((name) => applied.has(name));
}
