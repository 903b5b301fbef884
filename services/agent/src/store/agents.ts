import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import type { Agent, AgentStatus } from '../domain/agent';
import type { AgentDatabase, AgentDb, AgentTable } from './schema';

type AgentRow = Selectable<AgentTable>;

/** Profiles removed by an admin are kept (assignment history points at them) but are invisible. */
export interface Profile extends Agent {
  accountEnabled: boolean;
  removed: boolean;
}

function toProfile(row: AgentRow): Profile {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    status: row.status,
    active: row.active && row.account_enabled,
    capacity: row.capacity,
    activeCases: row.active_cases,
    lastAssignedAt: row.last_assigned_at,
    accountEnabled: row.account_enabled,
    removed: row.removed_at !== null,
  };
}

export async function findAgent(db: AgentDb, id: string): Promise<Profile | undefined> {
  const row = await db.selectFrom('agent').selectAll().where('id', '=', id).where('removed_at', 'is', null).executeTakeFirst();
  return row && toProfile(row);
}

/** Locks a (not removed) agent's row for the rest of the transaction. */
export async function lockAgent(db: AgentDb, id: string): Promise<Profile | undefined> {
  const row = await db
    .selectFrom('agent')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .forUpdate()
    .executeTakeFirst();
  return row && toProfile(row);
}

/** Locks a profile's row, removed or not (user events keep even removed profiles up to date). */
export async function lockProfile(db: AgentDb, id: string): Promise<Profile | undefined> {
  const row = await db.selectFrom('agent').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
  return row && toProfile(row);
}

export interface Identity {
  id: string;
  name: string;
  email: string;
  accountEnabled: boolean;
}

/** Creates a profile (offline, active, default capacity) unless one exists; true when created. */
export async function insertProfile(db: AgentDb, identity: Identity): Promise<boolean> {
  const inserted = await db
    .insertInto('agent')
    .values({ id: identity.id, name: identity.name, email: identity.email, account_enabled: identity.accountEnabled })
    .onConflict((oc) => oc.column('id').doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

export async function updateIdentity(db: AgentDb, identity: Identity): Promise<Profile> {
  const row = await db
    .updateTable('agent')
    .set({ name: identity.name, email: identity.email, account_enabled: identity.accountEnabled, updated_at: sql`now()` })
    .where('id', '=', identity.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProfile(row);
}

/** Brings a removed profile back as a new one: offline, active, no cases. */
export async function restoreProfile(db: AgentDb, identity: Identity): Promise<Profile> {
  const row = await db
    .updateTable('agent')
    .set({
      name: identity.name,
      email: identity.email,
      account_enabled: identity.accountEnabled,
      status: 'offline',
      active: true,
      active_cases: 0,
      removed_at: null,
      updated_at: sql`now()`,
    })
    .where('id', '=', identity.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProfile(row);
}

export interface AvailabilityChange {
  status?: AgentStatus;
  capacity?: number;
  active?: boolean;
}

export async function changeAvailability(db: AgentDb, id: string, change: AvailabilityChange): Promise<Profile> {
  const row = await db
    .updateTable('agent')
    .set({ ...change, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProfile(row);
}

/** Online, active agents below their capacity: whom the router may choose from. */
export async function routingCandidates(db: AgentDb): Promise<Profile[]> {
  const rows = await db.selectFrom('agent').selectAll().where(routable('auto')).execute();
  return rows.map(toProfile);
}

/**
 * The conditions under which an agent may take one more case: for `auto` online, for `claim`
 * online or away; active; below capacity.
 */
function routable(how: 'auto' | 'claim') {
  return (eb: ExpressionBuilder<AgentDatabase, 'agent'>) =>
    eb.and([
      eb('status', 'in', how === 'auto' ? ['online'] : ['online', 'away']),
      eb('active', '=', true),
      eb('account_enabled', '=', true),
      eb('removed_at', 'is', null),
      eb('active_cases', '<', eb.ref('capacity')),
    ]);
}

/**
 * Gives the agent one more case if, on its latest committed row, it may take one (`routable`).
 * The UPDATE locks the row and re-checks these conditions after any concurrent change commits, so
 * two transactions can never both take the last slot. Undefined when the agent may not take it.
 */
export async function takeSlot(db: AgentDb, id: string, how: 'auto' | 'claim', at: Date): Promise<Profile | undefined> {
  const row = await db
    .updateTable('agent')
    .set({ active_cases: sql`active_cases + 1`, last_assigned_at: at, updated_at: sql`now()` })
    .where('id', '=', id)
    .where(routable(how))
    .returningAll()
    .executeTakeFirst();
  return row && toProfile(row);
}

/**
 * The ids of the `limit` agents the router prefers, best first: `compareForRouting`
 * (domain/routing.ts) as an ORDER BY — fewest active cases, idle longest (never assigned first),
 * then id. A subquery, not run yet.
 */
function preferredAgentIds(db: AgentDb, limit: number) {
  return db
    .selectFrom('agent')
    .select('id')
    .where(routable('auto'))
    .orderBy('active_cases')
    .orderBy(sql`last_assigned_at asc nulls first`)
    .orderBy('id')
    .limit(limit);
}

/**
 * `takeSlot` of the agent the router prefers, chosen in the same statement
 * (`preferredAgentIds`); a test holds it to `chooseAgent`'s answer. One round trip instead of reading every
 * candidate. Undefined when no agent was free, or when a concurrent transaction took the chosen
 * agent's last slot first (`anyRoutable` tells the two apart).
 */
export async function takePreferredSlot(db: AgentDb, at: Date): Promise<Profile | undefined> {
  const preferred = preferredAgentIds(db, 1);
  const row = await db
    .updateTable('agent')
    .set({ active_cases: sql`active_cases + 1`, last_assigned_at: at, updated_at: sql`now()` })
    .where('id', '=', preferred)
    .where(routable('auto'))
    .returningAll()
    .executeTakeFirst();
  return row && toProfile(row);
}

/**
 * Locks the `limit` agents the router prefers (the order of `takePreferredSlot`), in id order so
 * that two transactions locking overlapping sets cannot deadlock, and returns them as they are
 * once locked. Routing up to `limit` cases one after another never chooses an agent outside
 * them: each choice only moves the chosen agent back in that order. An agent that stopped being
 * routable while this waited for its lock is left out.
 */
export async function lockPreferredAgents(db: AgentDb, limit: number): Promise<Profile[]> {
  if (limit <= 0) return [];
  const preferred = preferredAgentIds(db, limit);
  const rows = await db
    .selectFrom('agent')
    .selectAll()
    .where('id', 'in', preferred)
    .where(routable('auto'))
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map(toProfile);
}

/**
 * Gives agents (rows locked by the caller) `added` more cases each, assigned `at`: the UPDATE,
 * not run yet (to send alongside the assignments: executeWith). The capacity trigger still
 * refuses a load past capacity.
 */
export function addCasesUpdate(db: AgentDb, added: ReadonlyMap<string, number>, at: Date) {
  const ids = [...added.keys()];
  const counts = [...added.values()];
  return db
    .updateTable('agent')
    .set({
      active_cases: sql`active_cases + (${counts}::int[])[array_position(${ids}::uuid[], id)]`,
      last_assigned_at: at,
      updated_at: sql`now()`,
    })
    .where('id', '=', sql<string>`any(${ids}::uuid[])`);
}

/** Whether any agent may take a case automatically right now. */
export async function anyRoutable(db: AgentDb): Promise<boolean> {
  const row = await db.selectFrom('agent').select('id').where(routable('auto')).limit(1).executeTakeFirst();
  return row !== undefined;
}

export async function releaseSlot(db: AgentDb, id: string): Promise<Profile> {
  const row = await db
    .updateTable('agent')
    .set({ active_cases: sql`active_cases - 1`, updated_at: sql`now()` })
    .where('id', '=', id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProfile(row);
}

/** Marks the agent removed; its cases must have been requeued first. */
export async function markRemoved(db: AgentDb, id: string, at: Date): Promise<void> {
  await db
    .updateTable('agent')
    .set({ removed_at: at, status: 'offline', active_cases: 0, updated_at: sql`now()` })
    .where('id', '=', id)
    .execute();
}

export interface AgentListQuery {
  status?: AgentStatus;
  limit: number;
  /** Continue after this (name, id). */
  after?: { name: string; id: string };
}

/** Agents by name, then id; fetches `limit + 1` rows so the caller knows whether there is more. */
export async function listAgents(db: AgentDb, query: AgentListQuery): Promise<Agent[]> {
  let q = db.selectFrom('agent').selectAll().where('removed_at', 'is', null);
  if (query.status) q = q.where('status', '=', query.status);
  if (query.after) {
    const { name, id } = query.after;
    q = q.where((eb) => eb.or([eb('name', '>', name), eb.and([eb('name', '=', name), eb('id', '>', id)])]));
  }
  const rows = await q.orderBy('name').orderBy('id').limit(query.limit + 1).execute();
  return rows.map(toProfile);
}
