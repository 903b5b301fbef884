import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { signWebhook } from '../domain/webhook-signature';
import { RefusedDestination, resolveDestination, UnresolvableDestination, type Destination } from './destination';

export interface WebhookRequest {
  url: string;
  secret: string;
  /** `webhook-id`: the delivery id, the same on every retry. */
  id: string;
  body: string;
}

export type WebhookResult =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; refused: boolean };

export interface WebhookSender {
  send(request: WebhookRequest): Promise<WebhookResult>;
}

export interface WebhookSenderOptions {
  timeoutMs: number;
  allowPrivate: boolean;
}

/** A lookup that answers with the address already checked, so the connection cannot be rebound. */
function pinned(destination: Destination): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) callback(null, [destination]);
    else callback(null, destination.address, destination.family);
  };
}

function post(url: URL, destination: Destination, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<number> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      url,
      { method: 'POST', headers, lookup: pinned(destination), signal, agent: false },
      (res) => {
        res.on('error', reject);
        res.resume(); // the answer's body is not needed
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * POSTs the event, signed the Standard Webhooks way. DNS is resolved and checked again at every
 * attempt (it may have changed since registration); the whole attempt, DNS included, is bounded
 * by `timeoutMs`. Redirects are not followed.
 */
export function createWebhookSender(options: WebhookSenderOptions): WebhookSender {
  return {
    async send(request) {
      const started = Date.now();
      const signal = AbortSignal.timeout(options.timeoutMs);
      try {
        const url = new URL(request.url);
        const destination = await resolveDestination(url, { allowPrivate: options.allowPrivate, timeoutMs: options.timeoutMs });
        const signed = signWebhook(request.secret, request.id, Math.floor(Date.now() / 1000), request.body);
        const status = await post(
          url,
          destination,
          {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(request.body)),
            'user-agent': 'Helmdesk-Webhooks/1',
            ...signed,
          },
          request.body,
          signal,
        );
        if (status >= 200 && status < 300) return { ok: true, status };
        return { ok: false, status, error: `receiver answered HTTP ${status}`, refused: false };
      } catch (err) {
        if (err instanceof RefusedDestination) return { ok: false, status: null, error: `refused: ${err.message}`, refused: true };
        if (err instanceof UnresolvableDestination) return { ok: false, status: null, error: err.message, refused: false };
        const timedOut = signal.aborted;
        const error = timedOut
          ? `no answer within ${options.timeoutMs} ms`
          : `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`;
        return { ok: false, status: null, error: `${error} (after ${Date.now() - started} ms)`.slice(0, 500), refused: false };
      }
    },
  };
}
