import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { Conflict, Invalid, Unprocessable } from '../errors';
import { Reply, type AuthUser } from './route';

export interface StoredResponse {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export type IdempotencyBegin =
  | { state: 'new' }
  | { state: 'in-flight'; requestHash: string }
  | { state: 'done'; requestHash: string; response: StoredResponse };

/** Where a service keeps `Idempotency-Key`s (its own schema; see db/idempotency-store.ts). */
export interface IdempotencyStore {
  begin(scope: string, key: string, requestHash: string): Promise<IdempotencyBegin>;
  complete(scope: string, key: string, response: StoredResponse): Promise<void>;
  abandon(scope: string, key: string): Promise<void>;
}

const keyFormat = /^[\x21-\x7e]{1,255}$/;

function requestHash(req: Request): string {
  return createHash('sha256')
    .update(`${req.method} ${req.path}\n${JSON.stringify(req.body ?? null)}`)
    .digest('hex');
}

/**
 * Runs a creating handler at most once per (caller, Idempotency-Key): the same key and body
 * replays the first response, a different body → 422, while the first is running → 409.
 * Failed requests are not remembered, so a retry after an error runs again.
 */
export async function withIdempotency(
  store: IdempotencyStore,
  req: Request,
  user: AuthUser | null,
  run: () => Promise<unknown>,
  defaultStatus: number,
): Promise<unknown> {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return run();
  const key = Array.isArray(header) ? header[0]! : header;
  if (!keyFormat.test(key)) {
    throw new Invalid('Idempotency-Key must be 1–255 visible ASCII characters.', [
      { path: 'headers.idempotency-key', message: 'invalid format' },
    ]);
  }
  const scope = user ? `user:${user.id}` : `anonymous:${req.ip ?? 'unknown'}`;
  const hash = requestHash(req);
  const begun = await store.begin(scope, key, hash);
  if (begun.state !== 'new') {
    if (begun.requestHash !== hash) {
      throw new Unprocessable('This Idempotency-Key was already used with a different request.');
    }
    if (begun.state === 'in-flight') {
      throw new Conflict('A request with this Idempotency-Key is still being processed.');
    }
    const { status, body, headers } = begun.response;
    return new Reply(status, body ?? undefined, { ...headers, 'idempotent-replayed': 'true' });
  }
  try {
    const result = await run();
    const reply = result instanceof Reply ? result : new Reply(result === undefined ? 204 : defaultStatus, result);
    await store.complete(scope, key, { status: reply.status, body: reply.body ?? null, headers: reply.headers });
    return reply;
  } catch (err) {
    // Failures are not remembered: the key is released so the client may retry.
    await store.abandon(scope, key).catch(() => undefined);
    throw err;
  }
}
