import type { EventHandlers, Outbox } from '@helmdesk/platform';
import type { AuthDatabase } from '../store/tables';
import { lockUser } from '../store/users';
import { applyUserChanges } from '../use-cases/users';

/**
 * `agent.removed` (an admin deleted the agent): the login is disabled and its refresh tokens
 * revoked, in the consumer's transaction, which also writes `user.updated` to the outbox. An
 * account disabled already, or unknown here, changes nothing (the event is still recorded as
 * processed, so it is not retried).
 */
export function authEventHandlers(outbox: Outbox): EventHandlers<AuthDatabase> {
  return {
    'agent.removed': async (event, trx, { traceparent, log }) => {
      const user = await lockUser(trx, event.data.agentId);
      if (!user) {
        log.warn({ userId: event.data.agentId }, 'agent.removed for an account this service does not have; ignored');
        return;
      }
      const updated = await applyUserChanges(trx, outbox, user, { disabled: true }, traceparent);
      if (updated !== user) log.info({ userId: user.id }, 'account disabled: its agent profile was removed');
    },
  };
}
