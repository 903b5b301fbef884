import type { z } from 'zod';
import { decodeCursor, Invalid } from '@helmdesk/platform';

/**
 * Reads a list cursor this server issued, checking its values against `shape` (a cursor with the
 * right checksum but values of the wrong kind is refused like any other foreign cursor: 400).
 */
export function readCursor<S extends z.ZodType<unknown[]>>(cursor: string | undefined, arity: number, shape: S): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  const parsed = shape.safeParse(decodeCursor(cursor, arity));
  if (!parsed.success) {
    throw new Invalid('The cursor is not one this server issued.', [{ path: 'query.cursor', message: 'invalid cursor' }]);
  }
  return parsed.data;
}
