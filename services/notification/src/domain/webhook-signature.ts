import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com/): the secret is `whsec_` + base64 of random
 * bytes; a request is signed with HMAC-SHA256, keyed with those bytes, over
 * `<webhook-id>.<webhook-timestamp>.<body>`, and carried as `webhook-signature: v1,<base64>`.
 */
const prefix = 'whsec_';

/** A new signing secret: 32 random bytes, Standard Webhooks serialisation. */
export function newWebhookSecret(): string {
  return prefix + randomBytes(32).toString('base64');
}

function secretKey(secret: string): Buffer {
  if (!secret.startsWith(prefix)) throw new Error('not a Standard Webhooks secret');
  return Buffer.from(secret.slice(prefix.length), 'base64');
}

export interface SignedHeaders {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
}

/** The three Standard Webhooks headers of one request. `timestamp` is in whole Unix seconds. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): SignedHeaders {
  const signature = createHmac('sha256', secretKey(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${signature}` };
}

/**
 * What a receiver does: true when one of the space-separated `v1,` signatures matches (compared in
 * constant time) and the timestamp is within `toleranceSeconds` of `now`.
 */
export function verifyWebhook(
  secret: string,
  headers: Partial<Record<keyof SignedHeaders, string>>,
  body: string,
  now = new Date(),
  toleranceSeconds = 300,
): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (!id || !timestamp || !signatures || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, id, Number(timestamp), body)['webhook-signature'].slice(3), 'base64');
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
