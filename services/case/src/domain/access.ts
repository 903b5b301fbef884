import type { Actor, CaseStatus } from './case';

/** What access rules need to know about a case. */
export interface CaseParties {
  customerId: string;
  assigneeId: string | null;
  status: CaseStatus;
}

/**
 * Who may read a case, its comments and its history: the customer who opened it, the agent it
 * is assigned to (also after it is resolved), any agent while it waits in the queue (so they
 * can pick it), and admins. Everyone else is told it does not exist.
 */
export function canView(actor: Actor, c: CaseParties): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'customer':
      return c.customerId === actor.id;
    case 'agent':
      return c.assigneeId === actor.id || c.status === 'open';
  }
}

/**
 * Who may comment: the owner, the assigned agent and admins. An agent who only sees a waiting
 * case (not theirs) may read it but not write on it.
 */
export function canComment(actor: Actor, c: CaseParties): boolean {
  switch (actor.role) {
    case 'admin':
      return true;
    case 'customer':
      return c.customerId === actor.id;
    case 'agent':
      return c.assigneeId === actor.id;
  }
}

export interface ListFilters {
  customerId?: string;
  assigneeId?: string;
}

export type ListScope =
  | { ok: true; scope: ListFilters }
  | { ok: false; forbiddenFilters: (keyof ListFilters)[] };

/**
 * Which cases a list shows: a customer its own, an agent those assigned to it, an admin all
 * (optionally narrowed by customer or assignee). The customerId/assigneeId filters are admin
 * only; a customer or agent passing them is refused rather than silently ignored, so a client
 * never believes it filtered when it did not.
 */
export function listScope(actor: Actor, requested: ListFilters): ListScope {
  if (actor.role === 'admin') return { ok: true, scope: requested };
  const forbiddenFilters = (['customerId', 'assigneeId'] as const).filter((f) => requested[f] !== undefined);
  if (forbiddenFilters.length > 0) return { ok: false, forbiddenFilters };
  return { ok: true, scope: actor.role === 'customer' ? { customerId: actor.id } : { assigneeId: actor.id } };
}
