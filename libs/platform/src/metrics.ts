import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface HttpMetrics {
  registry: Registry;
  contentType: string;
  observe(method: string, route: string, status: number, seconds: number): void;
  render(): Promise<string>;
}

/** One Prometheus registry per service, with process metrics and the request histogram. */
export function createMetrics(service: string): HttpMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  const requests = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by route template',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    contentType: registry.contentType,
    observe(method, route, status, seconds) {
      requests.observe({ method, route, status: String(status) }, seconds);
    },
    render: () => registry.metrics(),
  };
}

export function gauge(
  registry: Registry,
  name: string,
  help: string,
  collect: () => Promise<number> | number,
): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    async collect() {
      try {
        this.set(await collect());
      } catch {
        // A metric that cannot be read right now (database down) keeps its last value.
      }
    },
  });
}

export function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  return new Counter({ name, help, labelNames, registers: [registry] });
}
