import { digestValues } from '../../src/domain/digest-content';
import { digestWindow, nextRun, previousRun } from '../../src/domain/digest-schedule';

describe('the digest schedule', () => {
  it('summarises the UTC day before the day it is sent', () => {
    expect(digestWindow(new Date('2026-11-12T05:00:00Z'))).toEqual({
      day: '2026-11-11',
      start: new Date('2026-11-11T00:00:00Z'),
      end: new Date('2026-11-12T00:00:00Z'),
    });
    expect(digestWindow(new Date('2026-03-01T00:00:00Z')).day).toBe('2026-02-28');
    expect(digestWindow(new Date('2027-01-01T23:59:59Z')).day).toBe('2026-12-31');
  });

  it('fires at 05:00 UTC by default, the next run strictly after now and the previous at or before', () => {
    expect(nextRun('0 5 * * *', new Date('2026-11-12T04:59:59Z'))).toEqual(new Date('2026-11-12T05:00:00Z'));
    expect(nextRun('0 5 * * *', new Date('2026-11-12T05:00:00Z'))).toEqual(new Date('2026-11-13T05:00:00Z'));
    expect(previousRun('0 5 * * *', new Date('2026-11-12T05:00:00Z'))).toEqual(new Date('2026-11-12T05:00:00Z'));
    expect(previousRun('0 5 * * *', new Date('2026-11-12T04:00:00Z'))).toEqual(new Date('2026-11-11T05:00:00Z'));
  });

  it('fills the digest placeholders, with "none" when nothing waits', () => {
    const window = digestWindow(new Date('2026-11-12T05:00:00Z'));
    expect(digestValues(window, { opened: 3, assigned: 2, resolved: 1, waiting: 0, oldestWaiting: null })).toEqual({
      'digest.date': '2026-11-11',
      'digest.opened': '3',
      'digest.assigned': '2',
      'digest.resolved': '1',
      'digest.waiting': '0',
      'digest.oldestWaiting': 'none',
      'digest.oldestWaitingId': '',
      'digest.oldestWaitingSubject': '',
      'digest.oldestWaitingSince': '',
    });
    const since = new Date('2026-11-09T07:00:00Z');
    expect(
      digestValues(window, { opened: 0, assigned: 0, resolved: 0, waiting: 1, oldestWaiting: { id: 'c1', subject: 'Printer', since } })[
        'digest.oldestWaiting'
      ],
    ).toBe('"Printer" (c1), waiting since 2026-11-09T07:00:00.000Z');
  });
});
