#!/usr/bin/env bash
# Dependency audit of what ships: `npm audit --omit=dev --audit-level=high` over the workspace's
# lockfile, against the npm registry's advisory database.
#
#   bash scripts/security-audit.sh
#
# Exit codes: 0 no high or critical advisory affects a production dependency; 1 there is one (each
# is listed: severity, package, range, advisory, whether a fix exists); 2 the audit could not run
# (the registry's advisory endpoint did not answer — some mirrors and proxies serve packages but
# not /-/npm/v1/security/*). With SECURITY_AUDIT_ALLOW_UNAVAILABLE=true a run that could not audit
# exits 0 after a loud warning (for machines whose registry access has no advisory endpoint); a
# run that found advisories still fails. The JSON report goes to .helmdesk/reports/npm-audit.json.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
mkdir -p .helmdesk/reports
report=.helmdesk/reports/npm-audit.json

npm audit --omit=dev --json >"$report" 2>/dev/null
node - "$report" <<'NODE'
const fs = require('node:fs');
const file = process.argv[2];
let data;
try {
  data = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch {
  console.log('security-audit: npm audit gave no JSON report');
  process.exit(2);
}
if (data.error || data.statusCode) {
  const why = data.message ?? data.error?.summary ?? JSON.stringify(data.error);
  console.log(`security-audit: the advisory database could not be queried: ${why}`);
  process.exit(2);
}
const v = data.metadata?.vulnerabilities ?? {};
const deps = data.metadata?.dependencies ?? {};
console.log(
  `security-audit: ${deps.prod ?? '?'} production dependencies audited; advisories: ` +
    `critical ${v.critical ?? 0}, high ${v.high ?? 0}, moderate ${v.moderate ?? 0}, low ${v.low ?? 0}, info ${v.info ?? 0}`,
);
for (const [name, vuln] of Object.entries(data.vulnerabilities ?? {})) {
  const via = (vuln.via ?? []).map((x) => (typeof x === 'string' ? `via ${x}` : `${x.title} (${x.url})`)).join('; ');
  console.log(`  ${vuln.severity.padEnd(8)} ${name}@${vuln.range}: ${via}${vuln.fixAvailable ? ' — fix available' : ' — no fix yet'}`);
}
process.exit((v.high ?? 0) + (v.critical ?? 0) > 0 ? 1 : 0);
NODE
code=$?
case $code in
  0) echo "security-audit: passed (no high or critical advisory in production dependencies)" ;;
  1) echo "security-audit: FAILED: high or critical advisories in production dependencies (report: $report)" ;;
  *)
    if [ "${SECURITY_AUDIT_ALLOW_UNAVAILABLE:-}" = "true" ]; then
      echo "security-audit: WARNING: NOT AUDITED — the advisory endpoint is unavailable here (SECURITY_AUDIT_ALLOW_UNAVAILABLE=true)"
      exit 0
    fi
    echo "security-audit: could not audit (report: $report); set SECURITY_AUDIT_ALLOW_UNAVAILABLE=true to pass anyway"
    code=2
    ;;
esac
exit $code
