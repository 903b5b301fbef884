import type { Kysely } from 'kysely';
import type { EventData, Topic } from '@helmdesk/contracts';
import { newTraceparent, type Outbox, type PlatformTables } from '@helmdesk/platform';
import type { AgentTrx } from '../store/schema';

/**
 * What a use case runs with: its transaction, the time of the change (rows and events agree on
 * it), and `publish`, which writes an event to the outbox in that same transaction.
 */
export interface TxContext {
  trx: AgentTrx;
  at: Date;
  publish<T extends Topic>(type: T, subject: string, data: EventData<T>): Promise<void>;
}

/** `cause` is the traceparent of the request or event that led here; published events continue its trace. */
export function txContext(trx: AgentTrx, outbox: Outbox, cause?: string): TxContext {
  return {
    trx,
    at: new Date(),
    async publish(type, subject, data) {
      // Kysely's DB type is invariant; the outbox table is in this schema (AgentDatabase extends PlatformTables).
      await outbox.write(trx as unknown as Kysely<PlatformTables>, {
        type,
        subject,
        data,
        traceparent: newTraceparent(cause),
      });
    },
  };
}
