import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { stackEnv } from './stack';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** A fresh, empty database on the local Postgres, for one test file. */
export async function createTestDatabase(prefix = 'test'): Promise<TestDatabase> {
  const name = `helmdesk_${prefix}_${randomBytes(5).toString('hex')}`.toLowerCase();
  const admin = new pg.Client({ connectionString: stackEnv.databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return {
    name,
    url: withDatabase(stackEnv.databaseUrl, name),
    async drop() {
      const c = new pg.Client({ connectionString: stackEnv.databaseUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}
