import { randomBytes } from 'node:crypto';

const traceparentFormat = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

let pool = Buffer.alloc(0);
let used = 0;

/** Random hex from a pooled buffer: one `randomBytes` call per 512 ids instead of one per id. */
function randomHex(bytes: number): string {
  if (used + bytes > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  const hex = pool.toString('hex', used, used + bytes);
  used += bytes;
  return hex;
}

/** A new W3C traceparent, continuing `parent`'s trace when it is a valid one. */
export function newTraceparent(parent?: string | null): string {
  const match = parent ? traceparentFormat.exec(parent) : null;
  const traceId = match ? match[1]! : randomHex(16);
  const flags = match ? match[3]! : '01';
  return `00-${traceId}-${randomHex(8)}-${flags}`;
}
