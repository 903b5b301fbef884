#!/usr/bin/env bash
# Property-based API testing of the merged OpenAPI document through the gateway, as each role.
#
#   bash scripts/schemathesis.sh            launches a platform (fresh database and topic prefix,
#                                           real processes from dist/), runs schemathesis once per
#                                           role (customer, agent, admin) and prints a summary
#
# Checks: not_a_server_error (no 5xx) and response_schema_conformance (every documented response
# matches its schema). Exit 0 only when every role passes. Loopback only: the platform listens on
# 127.0.0.1, and POST /api/v1/webhooks is left out (a fuzzed webhook URL would make the service
# resolve arbitrary host names).
#
# Environment: SCHEMATHESIS_MAX_EXAMPLES (per operation, default 8), SCHEMATHESIS_ROLE_TIMEOUT
# (seconds per role, hard bound, default 240), SCHEMATHESIS_SEED (default 1, for reproducible
# runs), SCHEMATHESIS_ROLES (default "customer agent admin"). Reports (JUnit, NDJSON, output, and
# summary.txt: "N passed, N failed" roles, for npm test's count) go to .helmdesk/reports/schemathesis/.
# schemathesis itself is installed once, pinned, into .helmdesk/venv-schemathesis (PyPI; needs
# python3 with venv: scripts/ci/install-system.sh); later runs need no network.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VERSION=4.32.5
VENV=$ROOT/.helmdesk/venv-schemathesis
REPORTS=$ROOT/.helmdesk/reports/schemathesis
MAX_EXAMPLES=${SCHEMATHESIS_MAX_EXAMPLES:-8}
ROLE_TIMEOUT=${SCHEMATHESIS_ROLE_TIMEOUT:-240}
SEED=${SCHEMATHESIS_SEED:-1}
ROLES=${SCHEMATHESIS_ROLES:-customer agent admin}

say() { printf 'schemathesis: %s\n' "$*"; }

# ---- schemathesis, pinned, in its own venv
if [ ! -x "$VENV/bin/schemathesis" ] || [ "$("$VENV/bin/schemathesis" --version 2>/dev/null | awk '{print $NF}')" != "$VERSION" ]; then
  say "installing schemathesis $VERSION into $(realpath --relative-to="$ROOT" "$VENV")"
  command -v python3 >/dev/null || { say "python3 is required"; exit 2; }
  rm -rf "$VENV"
  python3 -m venv "$VENV" || { say "python3 -m venv failed (apt-get install python3-venv)"; exit 2; }
  PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install --quiet "schemathesis==$VERSION" || { say "pip install failed"; exit 2; }
fi

# ---- the platform
[ -f services/gateway/dist/main.js ] && [ -f libs/testkit/dist/index.js ] || npx tsc -b || exit 2
if [ "${HELMDESK_STACK_EXTERNAL:-}" != "true" ]; then
  bash scripts/stack.sh up >/dev/null || { say "the local stack did not start"; exit 2; }
fi
rm -rf "$REPORTS" && mkdir -p "$REPORTS"
# schemathesis keeps a cache of failures in ./.schemathesis: keep it out of the work tree
WORK=$ROOT/.helmdesk/schemathesis-work
mkdir -p "$WORK"
info=$REPORTS/platform.json
node scripts/schemathesis/launch.mjs "$info" 2> >(sed 's/^/  /' >&2) &
launcher=$!
cleanup() {
  if kill -0 "$launcher" 2>/dev/null; then
    kill -TERM "$launcher" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$launcher" 2>/dev/null || break; sleep 0.2; done
  fi
}
trap cleanup EXIT
for _ in $(seq 1 600); do
  [ -s "$info" ] && break
  kill -0 "$launcher" 2>/dev/null || { say "the platform did not start"; exit 2; }
  sleep 0.2
done
[ -s "$info" ] || { say "the platform did not start within 120 s"; exit 2; }
field() { node -e "const i=JSON.parse(require('fs').readFileSync(process.argv[1],'utf8')); console.log(process.argv[2].split('.').reduce((o,k)=>o[k],i))" "$info" "$1"; }
URL=$(field url)

# ---- one run per role
declare -A result
failed=0
for role in $ROLES; do
  token=$(field "tokens.$role")
  say "role $role: schemathesis run $URL/api/docs/openapi.json (max $MAX_EXAMPLES examples per operation, at most ${ROLE_TIMEOUT}s)"
  out=$REPORTS/$role.txt
  # NO_COLOR and a wide terminal keep the output readable in CI logs.
  (cd "$WORK" && COLUMNS=160 NO_COLOR=1 timeout --signal=INT --kill-after=20 "$ROLE_TIMEOUT" \
    "$VENV/bin/schemathesis" run "$URL/api/docs/openapi.json" \
    --url "$URL" \
    --header "Authorization: Bearer $token" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --max-examples "$MAX_EXAMPLES" \
    --seed "$SEED" \
    --workers 2 \
    --request-timeout 15 \
    --exclude-name 'POST /api/v1/webhooks' \
    --generation-database none \
    --suppress-health-check all \
    --no-color \
    --report junit,ndjson --report-junit-path "$REPORTS/$role.junit.xml" --report-ndjson-path "$REPORTS/$role.ndjson" \
    >"$out" 2>&1)
  code=$?
  # the failures in full, then schemathesis's own summary (the whole output is in $out)
  awk '/= FAILURES =/{on=1} /= WARNINGS =/{on=0} /= SUMMARY =/{on=1} on' "$out" | sed 's/^/  | /'
  case $code in
    0) result[$role]=passed ;;
    124 | 130) result[$role]="timed out after ${ROLE_TIMEOUT}s"; failed=1 ;;
    *) result[$role]="failed (exit $code)"; failed=1 ;;
  esac
done

# ---- summary: one line per role, then the findings (operation, check, status) from the reports
say "summary (reports in $(realpath --relative-to="$ROOT" "$REPORTS")):"
for role in $ROLES; do
  findings=$(node scripts/schemathesis/findings.mjs "$REPORTS/$role.ndjson" 2>/dev/null)
  say "  $role: ${result[$role]}"
  [ -n "$findings" ] && printf '%s\n' "$findings" | sed 's/^/      /'
  # informational: operations whose documented request schema is looser than their validation
  mismatch=$(awk '/^Schema validation mismatch/{on=1; next} on && /^ *- /{print} on && /💡/{exit}' "$REPORTS/$role.txt" | sed 's/^ *- //' | paste -sd, -)
  [ -n "$mismatch" ] && say "      (warning) documented request schema looser than the validation: $mismatch"
done
# one line for npm test's closing count (scripts/test-summary.mjs): roles passed, roles failed
passed_roles=0
for role in $ROLES; do [ "${result[$role]}" = passed ] && passed_roles=$((passed_roles + 1)); done
echo "$passed_roles passed, $(( $(wc -w <<<"$ROLES") - passed_roles )) failed" >"$REPORTS/summary.txt"
if [ "$failed" -ne 0 ]; then
  say "FAILED: a 5xx or a response that does not match the documented schema (see above)"
  exit 1
fi
say "passed: no 5xx, every documented response matches its schema"
