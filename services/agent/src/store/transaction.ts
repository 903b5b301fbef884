import type { AgentDb, AgentTrx } from './schema';

const retryableCodes = new Set(['40001', '40P01']); // serialization failure, deadlock detected

/**
 * Runs `work` in a transaction, again (up to `attempts` times) when Postgres aborts it for a
 * concurrency reason. HTTP use cases run through this; event handlers get the same from the
 * consumer runner's retries.
 */
export async function inTransaction<T>(db: AgentDb, work: (trx: AgentTrx) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= attempts || !code || !retryableCodes.has(code)) throw err;
    }
  }
}
