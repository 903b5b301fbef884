import type { EventData } from '@helmdesk/contracts';
import { insertProfile, lockProfile, restoreProfile, updateIdentity, type Identity } from '../../store/agents';
import { enterDispatchGate } from '../../store/dispatch-gate';
import { handOutFreedSlots } from '../assign-case/assign-case';
import type { TxContext } from '../tx-context';

function identityOf(data: EventData<'user.created'> | EventData<'user.updated'>): Identity {
  return {
    id: data.userId,
    name: data.name,
    email: data.email,
    accountEnabled: data.role === 'agent' && !data.disabled,
  };
}

/**
 * A new user with the agent role gets a profile: offline, active, capacity 3. `user.created` and
 * `user.updated` travel on different topics, so an update may come first and create the profile;
 * the (older) creation then changes nothing.
 */
export async function applyUserCreated(ctx: TxContext, data: EventData<'user.created'>): Promise<void> {
  if (data.role !== 'agent') return;
  await insertProfile(ctx.trx, identityOf(data));
}

/**
 * Keeps the profile's name and email current; a user whose role is no longer agent, or who is
 * disabled, becomes inactive (and active again when that is undone — then, if online, it is given
 * waiting cases at once). A user who becomes an agent gets a profile. A removed profile comes back
 * (as a new, offline one) only when an admin re-enables the account or gives it the agent role again.
 */
export async function applyUserUpdated(ctx: TxContext, data: EventData<'user.updated'>): Promise<void> {
  const identity = identityOf(data);
  if (identity.accountEnabled) await enterDispatchGate(ctx.trx, 'exclusive');
  const before = await lockProfile(ctx.trx, data.userId);
  if (!before) {
    if (data.role === 'agent') await insertProfile(ctx.trx, identity);
    return;
  }
  if (before.removed) {
    const reinstated = identity.accountEnabled && data.changed.some((c) => c === 'role' || c === 'disabled');
    if (reinstated) await restoreProfile(ctx.trx, identity);
    else await updateIdentity(ctx.trx, identity);
    return;
  }
  const after = await updateIdentity(ctx.trx, identity);
  await handOutFreedSlots(ctx, before, after);
}
