import { randomBytes } from 'node:crypto';

const traceparentFormat = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** A new W3C traceparent, continuing `parent`'s trace when it is a valid one. */
export function newTraceparent(parent?: string | null): string {
  const match = parent ? traceparentFormat.exec(parent) : null;
  const traceId = match ? match[1]! : randomBytes(16).toString('hex');
  const flags = match ? match[3]! : '01';
  return `00-${traceId}-${randomBytes(8).toString('hex')}-${flags}`;
}
