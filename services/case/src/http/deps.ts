import type { Kysely } from 'kysely';
import type { AuthUser, Outbox } from '@helmdesk/platform';
import { NotFound } from '@helmdesk/platform';
import { canView } from '../domain/access';
import type { Actor, CaseRecord } from '../domain/case';
import { findCase, lockCase } from '../store/cases';
import type { CaseDatabase } from '../store/tables';

/** What the case routes need. */
export interface CaseRouteDeps {
  db: Kysely<CaseDatabase>;
  outbox: Outbox;
}

/** The caller of a route that is not public (the platform has authenticated it). */
export function actorOf(user: AuthUser | null): Actor {
  if (!user) throw new Error('route is not public: the caller must be authenticated');
  return { id: user.id, role: user.role };
}

/**
 * The case if the caller may see it; 404 when it does not exist or is not theirs alike.
 * `forUpdate` (in a transaction) keeps it from changing hands until the transaction ends.
 */
export async function visibleCase(
  db: Kysely<CaseDatabase>,
  actor: Actor,
  id: string,
  { forUpdate = false } = {},
): Promise<CaseRecord> {
  const found = forUpdate ? await lockCase(db, id) : await findCase(db, id);
  if (!found || !canView(actor, found)) throw new NotFound(`There is no case ${id}.`);
  return found;
}
