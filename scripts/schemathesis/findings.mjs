// Reads a schemathesis NDJSON report (--report ndjson) and prints one line per distinct failure:
// the operation, the check, the response status and the first line of the message. Used by
// scripts/schemathesis.sh for its summary. Exit code 0 always (the run's own code decides).
import { readFileSync } from 'node:fs';

const file = process.argv[2];
const seen = new Map();
for (const line of readFileSync(file, 'utf8').split('\n')) {
  if (!line.trim()) continue;
  const finished = JSON.parse(line).ScenarioFinished;
  if (!finished || finished.status !== 'failure') continue;
  const { label, checks = {}, interactions = {} } = finished.recorder ?? {};
  for (const [caseId, list] of Object.entries(checks)) {
    for (const check of list) {
      if (check.status !== 'failure') continue;
      const failure = check.failure_info?.failure ?? {};
      const status = interactions[caseId]?.response?.status_code ?? '-';
      const message = String(failure.message ?? failure.title ?? '').split('\n')[0];
      const key = `${label} | ${check.name} | ${status} | ${message}`;
      if (!seen.has(key)) seen.set(key, { label, check: check.name, code: failure.code, status, message, caseId });
    }
  }
}
for (const f of seen.values()) {
  process.stdout.write(`${f.label}: ${f.check}${f.code ? ` (${f.code})` : ''}, response ${f.status}: ${f.message}\n`);
}
