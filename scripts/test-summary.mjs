// Adds up what every runner of `npm test` reported into the one closing line CI reads:
// "N passed, N failed". Exit code 1 when anything failed or a runner reported nothing.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
let passed = 0;
let failed = 0;
const lines = [];

function add(name, p, f) {
  passed += p;
  failed += f;
  lines.push(`  ${name.padEnd(28)} ${p} passed, ${f} failed`);
}

for (const [name, file] of [
  ['jest (unit/integration/e2e)', 'jest.json'],
  ['jest (fault)', 'jest-fault.json'],
  ['vitest (console)', 'vitest.json'],
]) {
  const path = join(dir, file);
  if (!existsSync(path)) continue;
  try {
    const r = JSON.parse(readFileSync(path, 'utf8'));
    // A suite that failed to run at all counts as a failure too.
    const broken = (r.testResults ?? []).filter((t) => t.status === 'failed' && (t.assertionResults ?? []).length === 0).length;
    add(name, r.numPassedTests ?? 0, (r.numFailedTests ?? 0) + broken);
  } catch {
    add(name, 0, 1);
  }
}
for (const [name, file] of [
  ['browser e2e (node --test)', 'browser.txt'],
  ['schemathesis (roles)', 'schemathesis/summary.txt'],
  ['chart checks', 'chart.txt'],
]) {
  const path = join(dir, file);
  if (!existsSync(path)) continue;
  const text = readFileSync(path, 'utf8');
  const m = [...text.matchAll(/^(?:# )?pass (\d+)$[\s\S]*?^(?:# )?fail (\d+)$/gm)].at(-1) ?? [...text.matchAll(/(\d+) passed, (\d+) failed/g)].at(-1);
  if (m) add(name, Number(m[1]), Number(m[2]));
  else add(name, 0, 1);
}
const checks = join(dir, 'checks.txt');
if (existsSync(checks)) {
  const rows = readFileSync(checks, 'utf8').trim().split('\n');
  add('typecheck + lint', rows.filter((r) => r.startsWith('pass')).length, rows.filter((r) => r.startsWith('fail')).length);
}
console.log(lines.join('\n'));
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
