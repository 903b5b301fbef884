import { z } from 'zod';
import { eventDataSchemas, type EventData } from './events';
import { isTopic, type Topic } from './topics';

export const cloudEventContentType = 'application/cloudevents+json';

/** CloudEvents 1.0, structured JSON mode. `type` is the topic name. */
export const cloudEventSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().min(1),
  datacontenttype: z.literal('application/json'),
  data: z.unknown(),
});
export type CloudEventEnvelope = z.infer<typeof cloudEventSchema>;

export interface HelmdeskEvent<T extends Topic = Topic> extends Omit<CloudEventEnvelope, 'type' | 'data'> {
  type: T;
  data: EventData<T>;
}

export type EventParseResult =
  | { ok: true; event: HelmdeskEvent }
  | { ok: false; error: string };

/** Parses and validates a message value: the envelope, the type, and the data against its schema. */
export function parseEvent(value: unknown): EventParseResult {
  const envelope = cloudEventSchema.safeParse(value);
  if (!envelope.success) {
    return { ok: false, error: `invalid CloudEvents envelope: ${z.prettifyError(envelope.error)}` };
  }
  const { type } = envelope.data;
  if (!isTopic(type)) return { ok: false, error: `unknown event type "${type}"` };
  const data = eventDataSchemas[type].safeParse(envelope.data.data);
  if (!data.success) {
    return { ok: false, error: `invalid data for ${type}: ${z.prettifyError(data.error)}` };
  }
  return { ok: true, event: { ...envelope.data, type, data: data.data } as HelmdeskEvent };
}

/** Validates the data of an event about to be produced; throws when it does not match its schema. */
export function validateEventData<T extends Topic>(type: T, data: EventData<T>): EventData<T> {
  return eventDataSchemas[type].parse(data) as EventData<T>;
}
