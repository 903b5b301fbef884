import { compareQueueOrder, queueWithPositions, type QueueKey } from '../../src/domain/queue';

function waiting(caseId: string, priority: QueueKey['priority'], queuedAt: string): QueueKey {
  return { caseId, priority, queuedAt: new Date(queuedAt) };
}

describe('the queue order', () => {
  it('takes urgent before high before normal before low, whatever their age', () => {
    const ordered = [
      waiting('low', 'low', '2026-01-01T08:00:00Z'),
      waiting('normal', 'normal', '2026-01-01T09:00:00Z'),
      waiting('urgent', 'urgent', '2026-01-01T12:00:00Z'),
      waiting('high', 'high', '2026-01-01T11:00:00Z'),
    ].sort(compareQueueOrder);
    expect(ordered.map((c) => c.caseId)).toEqual(['urgent', 'high', 'normal', 'low']);
  });

  it('takes the oldest first within a priority', () => {
    const ordered = [
      waiting('newer', 'high', '2026-01-01T10:00:00Z'),
      waiting('older', 'high', '2026-01-01T09:00:00Z'),
    ].sort(compareQueueOrder);
    expect(ordered.map((c) => c.caseId)).toEqual(['older', 'newer']);
  });

  it('orders cases opened at the same instant by case id, so the order is total', () => {
    const a = waiting('00000000-0000-4000-8000-00000000000a', 'normal', '2026-01-01T09:00:00Z');
    const b = waiting('00000000-0000-4000-8000-00000000000b', 'normal', '2026-01-01T09:00:00Z');
    expect(compareQueueOrder(a, b)).toBeLessThan(0);
    expect(compareQueueOrder(b, a)).toBeGreaterThan(0);
    expect(compareQueueOrder(a, a)).toBe(0);
  });

  it('numbers the waiting cases from 1, the one taken next', () => {
    const queue = queueWithPositions([
      waiting('second', 'normal', '2026-01-01T08:00:00Z'),
      waiting('third', 'low', '2026-01-01T07:00:00Z'),
      waiting('first', 'urgent', '2026-01-01T09:00:00Z'),
    ]);
    expect(queue.map((c) => [c.caseId, c.position])).toEqual([
      ['first', 1],
      ['second', 2],
      ['third', 3],
    ]);
  });
});
