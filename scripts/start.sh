#!/usr/bin/env bash
# `npm start`: the whole platform on this machine. Starts the local stack (Postgres, Kafka, SMTP
# sink) unless DATABASE_URL / KAFKA_BROKERS / SMTP_URL point at existing ones, builds, then runs
# every service and the gateway under one supervisor (scripts/start.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${DATABASE_URL:-}" ] || [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${SMTP_URL:-}" ]; then
  bash scripts/stack.sh up
  while IFS='=' read -r name value; do
    [ -n "$name" ] && [ -z "${!name:-}" ] && export "$name=$value"
  done < <(bash scripts/stack.sh env)
fi

if [ ! -d node_modules ]; then
  echo "start: installing npm dependencies…"
  npm install --no-audit --no-fund
fi
echo "start: building…"
npm run --silent build
if [ -f services/console/package.json ]; then
  npm run --silent build -w @helmdesk/console >/dev/null
fi
exec node scripts/start.mjs
