import type { ApiClient } from '@helmdesk/testkit';
import { recordFigures } from '../fault/support';

export {
  allPages,
  createAgent,
  recordFigures,
  registerCustomer,
  repoRoot,
  sleep,
  startFaultPlatform as startPlatformForSuite,
  type Account,
  type FaultPlatform,
} from '../fault/support';

/** One attack: who calls what, and the statuses the contract allows for it. */
export interface Probe {
  name: string;
  as: ApiClient;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  expect: number[];
}

export interface ProbeResult {
  name: string;
  status: number;
  expected: number[];
  problemJson: boolean;
  body: unknown;
}

/**
 * Runs probes and returns the ones whose answer is not allowed, as readable lines (so a failing
 * expectation lists every hole at once). A 2xx where a refusal was expected is a bypass.
 */
export async function runProbes(probes: Probe[], results: ProbeResult[] = []): Promise<string[]> {
  const failures: string[] = [];
  for (const p of probes) {
    const res = await p.as.call(p.method, p.path, p.body, p.headers);
    const problemJson = (res.headers.get('content-type') ?? '').startsWith('application/problem+json');
    results.push({ name: p.name, status: res.status, expected: p.expect, problemJson, body: res.body });
    if (!p.expect.includes(res.status)) {
      failures.push(`${p.name}: ${p.method} ${p.path} answered ${res.status} (expected ${p.expect.join('/')}) ${JSON.stringify(res.body).slice(0, 160)}`);
    } else if (res.status >= 400 && !problemJson) {
      failures.push(`${p.name}: ${p.method} ${p.path} answered ${res.status} without application/problem+json`);
    }
  }
  return failures;
}

export function bypasses(results: ProbeResult[]): ProbeResult[] {
  return results.filter((r) => r.status >= 200 && r.status < 300 && !r.expected.some((e) => e >= 200 && e < 300));
}

export function recordProbeFigures(name: string, results: ProbeResult[], extra: Record<string, unknown> = {}): void {
  const byStatus: Record<string, number> = {};
  for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
  recordFigures(name, {
    probes: results.length,
    unexpected: results.filter((r) => !r.expected.includes(r.status)).length,
    bypasses: bypasses(results).length,
    statuses: byStatus,
    ...extra,
  });
}
