#!/usr/bin/env bash
# `npm run bench`: Helmdesk's benchmarks, each bounded in time, on loopback against the local
# stack (started if needed, never stopped). Builds, runs the platform benchmarks
# (scripts/bench/run.mjs: gateway hop, case.created → case.assigned latency with Kafka's own
# latency beside it, opening cases vs pgbench), then the services' own benchmarks (logins,
# mails), and writes the markdown block for BENCHMARKS.md to .helmdesk/bench/report.md.
#
#   npm run bench                       everything (about 4 minutes)
#   bash scripts/bench.sh hop latency   only some platform benchmarks (hop, latency, kafka, open-case)
set -uo pipefail
cd "$(dirname "$0")/.."
out=.helmdesk/bench
mkdir -p "$out"
results="$out/results-$(date -u +%Y%m%dT%H%M%SZ).jsonl"
started=$(date +%s)
say() { echo "── bench: $*" >&2; }

say "build (npx tsc -b)"
npx tsc -b || { say "build failed"; exit 1; }

say "local stack (Postgres, Kafka, mail sink)"
bash scripts/stack.sh up >&2 || { say "the local stack did not come up"; exit 1; }
while IFS='=' read -r name value; do
  [ -n "$name" ] && [ -z "${!name:-}" ] && export "$name=$value"
done < <(bash scripts/stack.sh env)

# Kafka's EndToEndLatency tool lives in the kafka-tools jar, which the stack leaves out on
# purpose (scripts/stack/kafka/pom.xml): fetch that one jar into the Maven cache, once, if we can.
tools_jar=.helmdesk/cache/m2/org/apache/kafka/kafka-tools/4.3.1/kafka-tools-4.3.1.jar
if [ ! -f "$tools_jar" ] && command -v mvn >/dev/null 2>&1; then
  say "fetching org.apache.kafka:kafka-tools:4.3.1 (one jar, for EndToEndLatency)"
  timeout 120 mvn -q -B -Dstyle.color=never dependency:get -Dartifact=org.apache.kafka:kafka-tools:4.3.1 \
    -Dtransitive=false -Dmaven.repo.local=.helmdesk/cache/m2 >"$out/maven.log" 2>&1 ||
    say "could not fetch kafka-tools (see $out/maven.log); the EndToEndLatency baseline is skipped"
fi

failed=0
say "platform benchmarks (scripts/bench/run.mjs${*:+ $*})"
node scripts/bench/run.mjs "$@" | tee -a "$results" || failed=1

# The services' own benchmarks: each prints one JSON line.
service_bench() { # name, compiled file
  local name=$1 file=$2 t0
  if [ ! -f "$file" ]; then
    say "$name: $file is not built; skipped"
    echo "{\"benchmark\":\"$name\",\"skipped\":\"$file not built\"}" >>"$results"
    return 0
  fi
  say "$name ($file)"
  t0=$(date +%s)
  if timeout 180 node "$file" | tee -a "$results"; then
    say "$name done in $(( $(date +%s) - t0 )) s"
  else
    say "$name FAILED"
    echo "{\"benchmark\":\"$name\",\"error\":\"exit code ${PIPESTATUS[0]}\"}" >>"$results"
    failed=1
  fi
}
if [ "$#" -eq 0 ]; then
  service_bench login services/auth/dist/bench/login.js
  service_bench mail-throughput services/notification/dist/bench/mail-throughput.js
fi

node scripts/bench/report.mjs --machine-line >>"$results"
node scripts/bench/report.mjs "$results" >"$out/report.md" 2>"$out/summary.txt"
echo
cat "$out/report.md"
cat "$out/summary.txt" >&2
say "results: $results; markdown block for BENCHMARKS.md: $out/report.md"
say "done in $(( $(date +%s) - started )) s"
exit "$failed"
