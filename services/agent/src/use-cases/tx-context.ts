import type { Compilable, Kysely } from 'kysely';
import type { EventData, Topic } from '@helmdesk/contracts';
import { newTraceparent, type Outbox, type PlatformTables } from '@helmdesk/platform';
import type { AgentTrx } from '../store/schema';

/**
 * What a use case runs with: its transaction, the time of the change (rows and events agree on
 * it), and `publish`, which writes an event to the outbox in that same transaction — or `event`,
 * its outbox insert not run yet, to send in the statement of the change it belongs to
 * (`executeWith`).
 */
export interface TxContext {
  trx: AgentTrx;
  at: Date;
  publish<T extends Topic>(type: T, subject: string, data: EventData<T>): Promise<void>;
  event<T extends Topic>(type: T, subject: string, data: EventData<T>): Compilable;
}

/** `cause` is the traceparent of the request or event that led here; published events continue its trace. */
export function txContext(trx: AgentTrx, outbox: Outbox, cause?: string): TxContext {
  const event = <T extends Topic>(type: T, subject: string, data: EventData<T>) =>
    // Kysely's DB type is invariant; the outbox table is in this schema (AgentDatabase extends PlatformTables).
    outbox.insertion(trx as unknown as Kysely<PlatformTables>, [{ type, subject, data, traceparent: newTraceparent(cause) }]).insert;
  return {
    trx,
    at: new Date(),
    event,
    async publish(type, subject, data) {
      await event(type, subject, data).execute();
    },
  };
}
