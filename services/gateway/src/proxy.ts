import http from 'node:http';
import https from 'node:https';
import type { Request, Response } from 'express';
import { GatewayTimeout, newTraceparent, PayloadTooLarge, ServiceUnavailable, type HttpError } from '@helmdesk/platform';

/** Headers a client may never set: identities are proven by the token, nothing else. */
const strippedPrefixes = ['x-user', 'x-auth', 'x-forwarded-user', 'x-helmdesk', 'x-remote-user', 'x-client-'];
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'forwarded',
]);

export function forwardedRequestHeaders(req: Request): http.OutgoingHttpHeaders {
  const headers: http.OutgoingHttpHeaders = {};
  const connectionListed = String(req.headers.connection ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase());
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || hopByHop.has(lower) || connectionListed.includes(lower)) continue;
    if (strippedPrefixes.some((p) => lower.startsWith(p))) continue;
    headers[lower] = value;
  }
  headers['x-request-id'] = req.id;
  headers.traceparent = newTraceparent(typeof req.headers.traceparent === 'string' ? req.headers.traceparent : null);
  headers['x-forwarded-for'] = req.socket.remoteAddress ?? '';
  headers['x-forwarded-proto'] = req.protocol;
  if (req.headers.host) headers['x-forwarded-host'] = req.headers.host;
  return headers;
}

export interface Upstream {
  name: string;
  url: URL;
  agent: http.Agent;
}

export function createUpstream(name: string, base: string): Upstream {
  const url = new URL(base);
  const Agent = url.protocol === 'https:' ? https.Agent : http.Agent;
  return { name, url, agent: new Agent({ keepAlive: true, maxSockets: 256, keepAliveMsecs: 10_000, timeout: 60_000 }) };
}

export interface ProxyOptions {
  timeoutMs: number;
  bodyLimitBytes: number;
}

/**
 * Forwards a request to a service over a keep-alive connection and streams the answer back.
 * Bodies past the limit → 413 (checked on Content-Length and while streaming); upstream refusing
 * connections → 503; no answer in time → 504. Resolves when the response is done; rejects with
 * a typed error only while nothing was sent to the client yet.
 */
export function forward(req: Request, res: Response, upstream: Upstream, options: ProxyOptions): Promise<void> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > options.bodyLimitBytes) {
    return Promise.reject(new PayloadTooLarge(`The request body is larger than ${options.bodyLimitBytes} bytes.`));
  }
  return attempt(req, res, upstream, options, true);
}

/** Safe to send twice: no body to replay, and the service cannot have acted on it. */
const retryable = new Set(['GET', 'HEAD', 'OPTIONS']);

function attempt(req: Request, res: Response, upstream: Upstream, options: ProxyOptions, mayRetry: boolean): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const fail = (err: HttpError) => {
      if (settled) return;
      settled = true;
      outgoing.destroy();
      if (res.headersSent) {
        res.destroy();
        resolve();
      } else reject(err);
    };
    const client = upstream.url.protocol === 'https:' ? https : http;
    const outgoing = client.request(
      {
        protocol: upstream.url.protocol,
        hostname: upstream.url.hostname,
        port: upstream.url.port,
        method: req.method,
        path: req.originalUrl,
        headers: forwardedRequestHeaders(req),
        agent: upstream.agent,
        timeout: options.timeoutMs,
      },
      (incoming) => {
        const headers: http.OutgoingHttpHeaders = {};
        for (const [name, value] of Object.entries(incoming.headers)) {
          if (value !== undefined && !hopByHop.has(name) && name !== 'x-request-id') headers[name] = value;
        }
        res.status(incoming.statusCode ?? 502);
        for (const [name, value] of Object.entries(headers)) res.setHeader(name, value as string | string[]);
        incoming.pipe(res);
        incoming.on('end', () => {
          settled = true;
          resolve();
        });
        incoming.on('error', () => fail(new ServiceUnavailable(`The ${upstream.name} service broke off its answer.`)));
      },
    );
    outgoing.on('timeout', () =>
      fail(new GatewayTimeout(`The ${upstream.name} service did not answer within ${options.timeoutMs} ms.`)),
    );
    outgoing.on('error', (err: NodeJS.ErrnoException) => {
      // A kept-alive connection the service closed just as we reused it (a restart, a drain):
      // an idempotent request is sent once more on a fresh connection (Node's documented retry).
      if (!settled && mayRetry && outgoing.reusedSocket && err.code === 'ECONNRESET' && retryable.has(req.method) && !res.headersSent) {
        settled = true;
        attempt(req, res, upstream, options, false).then(resolve, reject);
        return;
      }
      fail(new ServiceUnavailable(`The ${upstream.name} service is unavailable; try again shortly.`));
    });

    let received = 0;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > options.bodyLimitBytes) {
        req.unpipe(outgoing);
        fail(new PayloadTooLarge(`The request body is larger than ${options.bodyLimitBytes} bytes.`));
      }
    });
    // A retried GET finds its (empty) request stream already ended.
    if (req.readableEnded) outgoing.end();
    else req.pipe(outgoing);
  });
}
