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
  /** Several events' outbox insert, not run yet; each continues the trace of its own `cause` when given. */
  events<T extends Topic>(list: { type: T; subject: string; data: EventData<T>; cause?: string | undefined }[]): Compilable;
}

/** `cause` is the traceparent of the request or event that led here; published events continue its trace. */
export function txContext(trx: AgentTrx, outbox: Outbox, cause?: string): TxContext {
  const events = (list: { type: Topic; subject: string; data: EventData<Topic>; cause?: string | undefined }[]) =>
    // Kysely's DB type is invariant; the outbox table is in this schema (AgentDatabase extends PlatformTables).
    outbox.insertion(
      trx as unknown as Kysely<PlatformTables>,
      list.map((e) => ({ type: e.type, subject: e.subject, data: e.data, traceparent: newTraceparent(e.cause ?? cause) })),
    ).insert;
  return {
    trx,
    at: new Date(),
    event: (type, subject, data) => events([{ type, subject, data }]),
    events,
    async publish(type, subject, data) {
      await events([{ type, subject, data }]).execute();
    },
  };
}
