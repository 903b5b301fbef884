import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import {
  cloudEventContentType,
  validateEventData,
  type EventData,
  type HelmdeskEvent,
  type Topic,
} from '@helmdesk/contracts';
import type { PlatformTables } from '../db/platform-migrations';
import { newTraceparent } from '../trace';

export interface EventToWrite<T extends Topic> {
  type: T;
  subject: string;
  data: EventData<T>;
  /** W3C trace context of the request or event that caused this one. */
  traceparent?: string;
  id?: string;
  time?: Date;
}

/** Builds the CloudEvents envelope of an event (data validated against its contract). */
export function buildEvent<T extends Topic>(source: string, event: EventToWrite<T>): HelmdeskEvent<T> {
  return {
    specversion: '1.0',
    id: event.id ?? randomUUID(),
    source,
    type: event.type,
    time: (event.time ?? new Date()).toISOString(),
    subject: event.subject,
    datacontenttype: 'application/json',
    data: validateEventData(event.type, event.data),
  };
}

/**
 * Writes events into the outbox of the service's schema, inside the caller's transaction: they
 * are published if and only if the transaction commits. The connection that ran the insert wakes
 * the relay once the transaction has committed (commit-signal.ts, ADR 0027).
 */
export class Outbox {
  constructor(private readonly source: string) {}

  async write<T extends Topic>(trx: Kysely<PlatformTables>, ...events: EventToWrite<T>[]): Promise<HelmdeskEvent<T>[]> {
    if (events.length === 0) return [];
    const { built, insert } = this.insertion(trx, events);
    await insert.execute();
    return built;
  }

  /**
   * The events' envelopes and the INSERT that writes them, not run yet: for a caller that sends
   * it as part of a statement of its own (a data-modifying CTE), so the state change and its
   * events are still one atomic write.
   */
  insertion<T extends Topic>(db: Kysely<PlatformTables>, events: EventToWrite<T>[]) {
    const built = events.map((e) => buildEvent(this.source, e));
    const insert = db
      .insertInto('outbox')
      .values(
        built.map((e, i) => ({
          event_id: e.id,
          topic: e.type,
          key: e.subject,
          payload: JSON.stringify(e),
          headers: JSON.stringify({
            'content-type': cloudEventContentType,
            traceparent: events[i]!.traceparent ?? newTraceparent(),
          }),
        })),
      );
    return { built, insert };
  }
}
