import { randomUUID } from 'node:crypto';

const validRequestId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The client's `x-request-id` when it is well formed, otherwise a new one. */
export function requestIdFrom(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return value !== undefined && validRequestId.test(value) ? value : randomUUID();
}
