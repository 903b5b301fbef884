import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver answers on a path: a status, or `hang` (never answers). */
export type Answer = number | 'hang';

/**
 * A real HTTP server on a loopback port, recording every request (raw body, for signature checks).
 * Each path answers from its script of statuses; the last one repeats.
 */
export class WebhookReceiver {
  readonly requests: ReceivedRequest[] = [];
  private readonly scripts = new Map<string, Answer[]>();
  private server: Server | null = null;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        this.requests.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        const script = this.scripts.get(path) ?? [204];
        const answer = script.length > 1 ? script.shift()! : script[0]!;
        if (answer === 'hang') return;
        res.statusCode = answer;
        res.end(answer >= 400 ? 'no thanks' : '');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** The URL of `path` on this receiver, answering with `answers` in turn. */
  url(path: string, ...answers: Answer[]): string {
    if (answers.length > 0) this.scripts.set(path, answers);
    return `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}${path}`;
  }

  on(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
