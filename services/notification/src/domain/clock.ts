/** Where "now" comes from; injectable so the digest and schedules can be tested at fixed times. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };
