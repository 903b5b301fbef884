import { decodeCursor, encodeCursor, Invalid, toPage } from '@helmdesk/platform';

describe('cursor pagination', () => {
  it('round-trips a position through an opaque cursor', () => {
    const cursor = encodeCursor(['2026-11-23T10:00:00.000Z', 'b7c1']);
    expect(cursor).not.toContain('2026');
    expect(decodeCursor(cursor, 2)).toEqual(['2026-11-23T10:00:00.000Z', 'b7c1']);
  });

  it.each([['garbage'], ['abc.def'], [encodeCursor(['x']) + 'x'], [encodeCursor([1, 2])]])(
    'refuses a cursor it did not issue (%s) with 400',
    (cursor) => {
      expect(() => decodeCursor(cursor, 1)).toThrow(Invalid);
    },
  );

  it('uses the extra row only to know there is a next page', () => {
    const rows = [1, 2, 3];
    expect(toPage(rows, 2, (r) => [r], (r) => r * 10)).toEqual({ items: [10, 20], nextCursor: encodeCursor([2]) });
    expect(toPage(rows, 3, (r) => [r], (r) => r)).toEqual({ items: [1, 2, 3], nextCursor: null });
  });
});
