import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Invalid } from '../errors';

/** `?limit=&cursor=` of every list (API.md): limit 1–100, default 20; cursor opaque. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(512).optional(),
};

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const salt = 'helmdesk-cursor-v1';

function checksum(payload: string): string {
  return createHash('sha256').update(salt).update(payload).digest('base64url').slice(0, 12);
}

/** Encodes the position after the last item of a page (the sort key values). */
export function encodeCursor(position: readonly (string | number)[]): string {
  const payload = Buffer.from(JSON.stringify(position)).toString('base64url');
  return `${payload}.${checksum(payload)}`;
}

/** Decodes a cursor this server issued; anything else → 400. */
export function decodeCursor(cursor: string, arity: number): (string | number)[] {
  const [payload, sum, ...rest] = cursor.split('.');
  const invalid = foreignCursor;
  if (!payload || !sum || rest.length > 0 || checksum(payload) !== sum) throw invalid();
  let position: unknown;
  try {
    position = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(position) ||
    position.length !== arity ||
    !position.every((v) => typeof v === 'string' || typeof v === 'number')
  ) {
    throw invalid();
  }
  return position as (string | number)[];
}

/**
 * Builds a page from rows fetched with `limit + 1`: the extra row only says there is more.
 * `position` gives the sort key of a row, which the next query continues after.
 */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  position: (row: R) => readonly (string | number)[],
  map: (row: R) => T,
): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return {
    items: pageRows.map(map),
    nextCursor: more && last !== undefined ? encodeCursor(position(last)) : null,
  };
}

function foreignCursor(): Invalid {
  return new Invalid('The cursor is not one this server issued.', [{ path: 'query.cursor', message: 'invalid cursor' }]);
}

/**
 * Reads a list cursor this server issued and checks its values against `shape`: a cursor with a
 * valid checksum but values of the wrong kind is refused like any other foreign cursor (400).
 */
export function readCursor<S extends z.ZodTuple>(cursor: string | undefined, shape: S): z.output<S> | undefined {
  if (cursor === undefined) return undefined;
  const parsed = shape.safeParse(decodeCursor(cursor, shape.def.items.length));
  if (!parsed.success) throw foreignCursor();
  return parsed.data;
}

const timeIdPosition = z.tuple([z.iso.datetime(), z.uuid()]);

/** The most common position: a row's creation time and id (lists ordered by both). */
export function readTimeIdCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  const position = readCursor(cursor, timeIdPosition);
  return position && { createdAt: new Date(position[0]), id: position[1] };
}
