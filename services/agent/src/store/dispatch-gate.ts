import { sql } from 'kysely';
import type { AgentDb } from './schema';

/**
 * The dispatch gate: a transaction-scoped Postgres advisory lock that closes the one race row
 * locks cannot — the lost wake-up. A transaction that adds a waiting case (`case.created`) routes
 * it to agents that are free *as far as it can see*; a transaction that gives an agent free slots
 * (resolve, going online, more capacity, made active) fills them from the cases waiting *as far
 * as it can see*. Run at the same moment, each could miss the other's uncommitted change and
 * leave a case waiting beside a free agent. Likewise a filler that skips a locked waiting case
 * must not run beside a transaction that might let that case go unassigned.
 *
 * So case arrivals — the hot path — enter `shared` (many at once: they only compete for slots,
 * which the agent row's conditional update arbitrates, and for cases, which SKIP LOCKED shares
 * out), and every other transaction that changes routing (resolve, status online, admin settings,
 * account changes, removal, claiming a given case, the `agent.freed` refill) enters `exclusive`:
 * whichever comes second waits for the first to commit and then sees its change. Human-paced
 * writes serialize; the invariant "no case waits while an online, active agent has a free slot"
 * holds in every committed state. Claiming the next case needs no gate: it checks the agent
 * first, so it only takes, never adds, and never lets a locked case go.
 *
 * Enter the gate before locking any row; it is released at commit or rollback.
 */
export type GateMode = 'shared' | 'exclusive';

const gateKey = 'helmdesk:agents:dispatch';

/**
 * Transactions known to be inside the gate, and how: the consumer applies a batch of events in one
 * transaction, and each event's handler enters the gate; once is enough (the lock is held until
 * the transaction ends), so later entries in the same mode cost no round trip.
 */
const inside = new WeakMap<AgentDb, GateMode>();

export async function enterDispatchGate(db: AgentDb, mode: GateMode): Promise<void> {
  const held = inside.get(db);
  if (held === 'exclusive' || held === mode) return;
  if (mode === 'shared') await sql`select pg_advisory_xact_lock_shared(hashtext(${gateKey}))`.execute(db);
  else await sql`select pg_advisory_xact_lock(hashtext(${gateKey}))`.execute(db);
  inside.set(db, mode);
}
