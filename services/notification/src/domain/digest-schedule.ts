import { CronExpressionParser } from 'cron-parser';

/**
 * The daily digest covers the UTC day before the day it is sent: sent at 05:00 on the 12th, it
 * summarises the 11th, [11th 00:00, 12th 00:00).
 */
export interface DigestWindow {
  /** The day summarised, `YYYY-MM-DD`. */
  day: string;
  start: Date;
  end: Date;
}

const dayMs = 86_400_000;

export function digestWindow(sentAt: Date): DigestWindow {
  const end = new Date(Date.UTC(sentAt.getUTCFullYear(), sentAt.getUTCMonth(), sentAt.getUTCDate()));
  const start = new Date(end.getTime() - dayMs);
  return { day: start.toISOString().slice(0, 10), start, end };
}

/** Throws when `expression` is not a valid cron expression. */
export function assertCron(expression: string): void {
  CronExpressionParser.parse(expression, { tz: 'UTC', strict: false });
}

/** The first time strictly after `after` when the schedule fires (UTC). */
export function nextRun(expression: string, after: Date): Date {
  return CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: after }).next().toDate();
}

/** The last time at or before `at` when the schedule fired (UTC). */
export function previousRun(expression: string, at: Date): Date {
  // cron-parser's prev() is strictly before currentDate; nudge so a run exactly at `at` counts.
  return CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: new Date(at.getTime() + 1) })
    .prev()
    .toDate();
}
