import type { DigestWindow } from './digest-schedule';
import type { TemplateValues } from './templates';

export interface DigestFigures {
  opened: number;
  assigned: number;
  resolved: number;
  waiting: number;
  oldestWaiting: { id: string; subject: string | null; since: Date } | null;
}

/** The `digest.*` placeholder values of the daily digest. */
export function digestValues(window: DigestWindow, figures: DigestFigures): TemplateValues {
  const oldest = figures.oldestWaiting;
  return {
    'digest.date': window.day,
    'digest.opened': String(figures.opened),
    'digest.assigned': String(figures.assigned),
    'digest.resolved': String(figures.resolved),
    'digest.waiting': String(figures.waiting),
    'digest.oldestWaiting': oldest
      ? `"${oldest.subject ?? '(subject not known yet)'}" (${oldest.id}), waiting since ${oldest.since.toISOString()}`
      : 'none',
    'digest.oldestWaitingId': oldest?.id ?? '',
    'digest.oldestWaitingSubject': oldest?.subject ?? '',
    'digest.oldestWaitingSince': oldest?.since.toISOString() ?? '',
  };
}
