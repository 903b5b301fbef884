import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';

export interface RunningServer {
  server: Server;
  port: number;
  url: string;
  /** Stops accepting, lets in-flight requests finish for up to `drainMs`, then cuts the rest. */
  close(drainMs?: number): Promise<void>;
}

export function startHttpServer(app: Express, port: number, host = '0.0.0.0'): Promise<RunningServer> {
  const server = createServer(app);
  // Longer than typical load balancer idle timeouts, so they close first.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${actual}`,
        close(drainMs = 10_000) {
          return new Promise<void>((done) => {
            // Answers from now on close their connection, and connections that fall idle are
            // closed as they do, so the process ends as soon as in-flight requests are done.
            server.on('request', (_req, res) => {
              if (!res.headersSent) res.setHeader('connection', 'close');
            });
            const sweep = setInterval(() => server.closeIdleConnections(), 100);
            const timer = setTimeout(() => server.closeAllConnections(), drainMs);
            server.close(() => {
              clearTimeout(timer);
              clearInterval(sweep);
              done();
            });
            server.closeIdleConnections();
          });
        },
      });
    });
  });
}
