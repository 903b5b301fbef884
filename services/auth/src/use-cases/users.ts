import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Role } from '@helmdesk/contracts';
import { Conflict, NotFound, type Outbox } from '@helmdesk/platform';
import { changedFields, selfChangeConflict, type UserChanges, type UserRecord } from '../domain/user';
import type { PasswordHasher } from '../security/passwords';
import { revokeUserFamilies } from '../store/refresh-tokens';
import type { AuthDatabase } from '../store/tables';
import { insertUser, lockUser, updateUser } from '../store/users';
import { platformTx } from './deps';

export interface NewAccount {
  email: string;
  name: string;
  role: Role;
  password: string;
}

export const duplicateEmailDetail = 'An account with this email already exists.';

/**
 * Creates an account and writes `user.created` in the same transaction (sign-up, admin, first
 * admin, CLI). The password is hashed before the transaction opens. 409 when the email is taken
 * in any letter case.
 */
export async function createAccount(
  deps: { db: Kysely<AuthDatabase>; outbox: Outbox; passwords: PasswordHasher },
  account: NewAccount,
  traceparent?: string,
  /** Runs inside the transaction before the insert (the first admin's "no admin yet" check). */
  guard?: (trx: Kysely<AuthDatabase>) => Promise<void>,
): Promise<UserRecord> {
  const passwordHash = await deps.passwords.hash(account.password);
  return deps.db.transaction().execute(async (trx) => {
    await guard?.(trx);
    const user = await insertUser(trx, {
      id: randomUUID(),
      email: account.email,
      name: account.name,
      role: account.role,
      passwordHash,
    });
    if (!user) throw new Conflict(duplicateEmailDetail);
    await deps.outbox.write(platformTx(trx), {
      type: 'user.created',
      subject: user.id,
      data: {
        userId: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        disabled: user.disabled,
        createdAt: user.createdAt.toISOString(),
      },
      ...(traceparent ? { traceparent } : {}),
    });
    return user;
  });
}

/**
 * Applies changes to a locked user inside `trx`: nothing when nothing changes; otherwise the row,
 * `user.updated` with the changed fields, and — when disabled — every refresh family revoked.
 */
export async function applyUserChanges(
  trx: Kysely<AuthDatabase>,
  outbox: Outbox,
  user: UserRecord,
  changes: UserChanges,
  traceparent?: string,
): Promise<UserRecord> {
  const changed = changedFields(user, changes);
  if (changed.length === 0) return user;
  const set: UserChanges = {};
  if (changed.includes('name')) set.name = changes.name!;
  if (changed.includes('role')) set.role = changes.role!;
  if (changed.includes('disabled')) set.disabled = changes.disabled!;
  const updated = await updateUser(trx, user.id, set);
  if (set.disabled === true) await revokeUserFamilies(trx, user.id, 'disabled');
  await outbox.write(platformTx(trx), {
    type: 'user.updated',
    subject: updated.id,
    data: {
      userId: updated.id,
      email: updated.email,
      name: updated.name,
      role: updated.role,
      disabled: updated.disabled,
      changed,
    },
    ...(traceparent ? { traceparent } : {}),
  });
  return updated;
}

/** An admin's PATCH: 404 for an unknown user, 409 when admins would disable or demote themselves. */
export async function changeAccount(
  deps: { db: Kysely<AuthDatabase>; outbox: Outbox },
  actorId: string,
  userId: string,
  changes: UserChanges,
  traceparent?: string,
): Promise<UserRecord> {
  const conflict = selfChangeConflict(actorId, userId, changes);
  if (conflict) throw new Conflict(conflict);
  return deps.db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, userId);
    if (!user) throw new NotFound(`There is no user ${userId}.`);
    return applyUserChanges(trx, deps.outbox, user, changes, traceparent);
  });
}
