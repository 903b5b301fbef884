#!/usr/bin/env bash
# Helmdesk local stack: PostgreSQL, a single-node Kafka (KRaft) and an SMTP sink, all bound to
# 127.0.0.1, all state under the repo's git-ignored .helmdesk/ folder.
#
#   bash scripts/stack.sh up     [pg|kafka|smtp ...]   start (default: all); installs what is missing
#   bash scripts/stack.sh down   [pg|kafka|smtp ...]   stop gracefully (SIGKILL after a timeout)
#   bash scripts/stack.sh restart [pg|kafka|smtp ...]
#   bash scripts/stack.sh status [pg|kafka|smtp ...]   exit 0 when all named are running, else 3
#   bash scripts/stack.sh env                          DATABASE_URL=, KAFKA_BROKERS=, SMTP_URL=,
#                                                      HELMDESK_MAIL_DIR= lines (for eval / export)
#   bash scripts/stack.sh kill   <pg|kafka|smtp ...>   SIGKILL by pid (fault tests); `up` restarts,
#                                                      data is kept
#   bash scripts/stack.sh logs   <pg|kafka|smtp> [n]   last n (default 50) lines of the log
#
# Environment: HELMDESK_PG_PORT (5432), HELMDESK_KAFKA_PORT (9092; the KRaft controller uses
# port+1), HELMDESK_SMTP_PORT (1025), HELMDESK_STACK_TIMEOUT (readiness wait, 90 s),
# HELMDESK_KAFKA_HEAP (-Xmx768m -Xms256m).
#
# Layout: .helmdesk/{pg,kafka,mail} data, .helmdesk/run/*.pid, .helmdesk/logs/*.log,
# .helmdesk/cache/{m2,kafka/libs} downloads. See docs/decisions/0003-local-stack.md.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STACK_DIR=$SCRIPT_DIR/stack
ROOT=$(git -C "$SCRIPT_DIR" rev-parse --show-toplevel 2>/dev/null || (cd "$SCRIPT_DIR/.." && pwd))
HD=$ROOT/.helmdesk
RUN=$HD/run
LOGS=$HD/logs
CACHE=$HD/cache

# shellcheck source=scripts/stack/install.sh
. "$STACK_DIR/install.sh"

PG_PORT=${HELMDESK_PG_PORT:-5432}
KAFKA_PORT=${HELMDESK_KAFKA_PORT:-9092}
SMTP_PORT=${HELMDESK_SMTP_PORT:-1025}
TIMEOUT=${HELMDESK_STACK_TIMEOUT:-90}
KAFKA_HEAP=${HELMDESK_KAFKA_HEAP:--Xmx768m -Xms256m}
HOST=127.0.0.1

need_number() {
  case $2 in '' | *[!0-9]*) printf 'stack: error: %s must be a number, got "%s"\n' "$1" "$2" >&2; exit 2 ;; esac
}
need_number HELMDESK_PG_PORT "$PG_PORT"
need_number HELMDESK_KAFKA_PORT "$KAFKA_PORT"
need_number HELMDESK_SMTP_PORT "$SMTP_PORT"
need_number HELMDESK_STACK_TIMEOUT "$TIMEOUT"
KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))

DB_USER=helmdesk
DB_PASSWORD=helmdesk
DB_NAME=helmdesk

ALL_COMPONENTS=(pg kafka smtp)

# ---------------------------------------------------------------------------------- helpers

say() { printf 'stack: %s\n' "$*"; }
die() { printf 'stack: error: %s\n' "$*" >&2; exit 1; }
rel() { printf '%s' "${1#"$ROOT"/}"; }
now_ms() { date +%s%3N; }
since() { local s=$1 e; e=$(now_ms); printf '%d.%ds' $(((e - s) / 1000)) $((((e - s) % 1000) / 100)); }

# die with the last lines of a log file
die_log() {
  local msg=$1 log=$2
  printf 'stack: error: %s\n' "$msg" >&2
  if [ -f "$log" ]; then
    printf 'stack: --- last lines of %s ---\n' "$(rel "$log")" >&2
    tail -n 25 "$log" | sed 's/^/  | /' >&2
    printf 'stack: --- full log: %s ---\n' "$log" >&2
  fi
  exit 1
}

# true when /proc/<pid>/cmdline contains the given fixed string (guards against pid reuse)
proc_matches() {
  local pid=$1 needle=$2
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$needle"
}

read_pid() { if [ -s "$1" ]; then head -n 1 "$1" | tr -dc '0-9'; fi; }

# can we open a TCP connection to 127.0.0.1:<port>?
port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null; }

# fail early when somebody else already listens on a port we need
port_free_or_die() {
  local port=$1 what=$2
  if port_open "$port"; then
    local who=''
    command -v ss >/dev/null 2>&1 && who=$(ss -ltnpH "sport = :$port" 2>/dev/null | head -n 1 | sed -E 's/.*users:\(\("([^"]+)",pid=([0-9]+).*/\1 pid \2/')
    die "port $HOST:$port (for $what) is already in use${who:+ by $who}; stop it or set the HELMDESK_*_PORT variable"
  fi
}

mark_log() { printf '\n===== %s stack.sh: %s =====\n' "$(date -u +%FT%TZ)" "$2" >>"$1"; }

# stop a pid: SIGTERM, wait up to $2 seconds, then SIGKILL
stop_pid() {
  local pid=$1 grace=$2 name=$3 i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "[$name] still running after ${grace}s, sending SIGKILL to $pid"
  kill -KILL "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
}

normalize() {
  case $1 in
    pg | postgres | postgresql | db) echo pg ;;
    kafka | broker) echo kafka ;;
    smtp | mail | smtp-sink) echo smtp ;;
    *) die "unknown component '$1' (use pg, kafka, smtp)" ;;
  esac
}

prepare_dirs() {
  mkdir -p "$RUN" "$LOGS" "$CACHE" "$HD/mail"
  chmod 755 "$HD" "$LOGS" 2>/dev/null || true
}

# ------------------------------------------------------------------------------- postgres

PG_BASE=''
PG_DATA=''
PG_SOCK=''
PG_BIN=''
PG_OS_USER=''
PG_LOG=$LOGS/pg.log
RUNAS=()

pg_paths() {
  PG_BASE=$HD/pg
  if [ -s "$HD/pg.location" ]; then PG_BASE=$(cat "$HD/pg.location"); fi
  PG_DATA=$PG_BASE/data
  PG_SOCK=$PG_BASE/run
  # unix socket paths are limited to 107 bytes
  if [ $((${#PG_SOCK} + 20)) -gt 107 ]; then
    PG_SOCK=/tmp/helmdesk-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
  fi
  if [ "$(id -u)" -eq 0 ]; then
    PG_OS_USER=postgres
    RUNAS=(runuser -u postgres --)
  else
    PG_OS_USER=$(id -un)
    RUNAS=()
  fi
}

pg_bin() {
  local want=''
  if [ -s "$PG_DATA/PG_VERSION" ]; then want=$(cat "$PG_DATA/PG_VERSION"); fi
  if [ -n "$want" ] && [ -x "/usr/lib/postgresql/$want/bin/postgres" ]; then
    PG_BIN=/usr/lib/postgresql/$want/bin
  else
    PG_BIN=$(hd_pg_bindir)
  fi
  [ -n "$PG_BIN" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin"
  if [ -n "$want" ] && [ "$PG_BIN" != "/usr/lib/postgresql/$want/bin" ]; then
    die "$(rel "$PG_DATA") was created by PostgreSQL $want but only $PG_BIN is installed (apt-get install postgresql-$want, or remove the data dir)"
  fi
}

pg_pid() {
  local pid
  pid=$(read_pid "$PG_DATA/postmaster.pid" 2>/dev/null || true)
  if proc_matches "$pid" "-D $PG_DATA"; then printf '%s' "$pid"; fi
}

pg_running() { [ -n "$(pg_pid)" ]; }

# the postgres OS user must be able to reach and write $PG_BASE; fix the path's x bits when
# possible, otherwise move the cluster to /var/tmp (recorded in .helmdesk/pg.location)
pg_ensure_access() {
  [ "$(id -u)" -eq 0 ] || { mkdir -p "$PG_BASE"; return 0; }
  if ! id postgres >/dev/null 2>&1; then
    say "[pg] creating system user postgres"
    useradd --system --user-group --home-dir /var/lib/postgresql --shell /bin/bash postgres
  fi
  mkdir -p "$PG_BASE"
  chown postgres: "$PG_BASE"
  chmod 700 "$PG_BASE"
  if "${RUNAS[@]}" test -w "$PG_BASE" 2>/dev/null; then return 0; fi
  local d=$PG_BASE
  while [ "$d" != / ]; do
    d=$(dirname "$d")
    if [ "$(stat -c %A "$d" | cut -c10)" != x ] && [ "$(stat -c %A "$d" | cut -c10)" != t ]; then
      say "[pg] chmod o+x $d (so the postgres user can reach the data dir)"
      chmod o+x "$d" || true
    fi
  done
  if "${RUNAS[@]}" test -w "$PG_BASE" 2>/dev/null; then return 0; fi
  local alt
  alt=/var/tmp/helmdesk-pg-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)
  say "[pg] the postgres user cannot reach $PG_BASE; using $alt instead (recorded in $(rel "$HD")/pg.location)"
  rmdir "$PG_BASE" 2>/dev/null || true
  printf '%s\n' "$alt" >"$HD/pg.location"
  pg_paths
  mkdir -p "$PG_BASE"
  chown postgres: "$PG_BASE"
  chmod 700 "$PG_BASE"
}

pg_write_conf() {
  local conf=$PG_DATA/helmdesk.conf
  cat >"$conf" <<EOF
# Written by scripts/stack.sh on every 'up'; edits are overwritten.
# Loopback only. Durability settings stay at their defaults (fsync, synchronous_commit,
# full_page_writes all on): the integration tests exercise crash safety.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCK'
max_connections = 300
shared_buffers = 256MB
timezone = 'UTC'
log_timezone = 'UTC'
log_line_prefix = '%m [%p] %q%u@%d '
log_min_duration_statement = -1
EOF
  [ -z "${RUNAS[*]}" ] || chown postgres: "$conf"
  if ! grep -q "^include_if_exists = 'helmdesk.conf'" "$PG_DATA/postgresql.conf"; then
    printf "\n# Helmdesk local stack settings (see helmdesk.conf)\ninclude_if_exists = 'helmdesk.conf'\n" >>"$PG_DATA/postgresql.conf"
  fi
}

pg_psql() { "${RUNAS[@]}" "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCK" -p "$PG_PORT" -U postgres "$@"; }

pg_up() {
  local t0
  t0=$(now_ms)
  pg_paths
  hd_ensure_postgres
  pg_bin
  if pg_running; then
    say "[pg] already running (pid $(pg_pid)) on $HOST:$PG_PORT"
    pg_wait_ready
    return 0
  fi
  pg_ensure_access
  touch "$PG_LOG"
  [ -z "${RUNAS[*]}" ] || chown postgres: "$PG_LOG"
  if [ ! -s "$PG_DATA/PG_VERSION" ]; then
    say "[pg] initdb $(rel "$PG_DATA") (PostgreSQL $(basename "$(dirname "$PG_BIN")"), as OS user $PG_OS_USER)"
    rm -rf "$PG_DATA"
    mark_log "$PG_LOG" "initdb"
    # local (unix socket) connections are trusted: the socket dir is private to $PG_OS_USER;
    # TCP on 127.0.0.1 needs a password (scram-sha-256)
    "${RUNAS[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
      --auth-local=trust --auth-host=scram-sha-256 --no-instructions >>"$PG_LOG" 2>&1 ||
      die_log "initdb failed" "$PG_LOG"
  fi
  mkdir -p "$PG_SOCK"
  [ -z "${RUNAS[*]}" ] || chown postgres: "$PG_SOCK"
  chmod 700 "$PG_SOCK"
  pg_write_conf
  port_free_or_die "$PG_PORT" postgres
  say "[pg] starting postgres on $HOST:$PG_PORT (log $(rel "$PG_LOG"))"
  mark_log "$PG_LOG" "start"
  # shellcheck disable=SC2094 # pg_ctl's own messages and the server's output share the log
  "${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_LOG" -s -w -t "$TIMEOUT" start >>"$PG_LOG" 2>&1 9>&- ||
    die_log "postgres did not start within ${TIMEOUT}s" "$PG_LOG"
  pg_wait_ready
  pg_pid >"$RUN/pg.pid"
  # role and database (idempotent)
  pg_psql -d postgres >>"$PG_LOG" 2>&1 <<SQL || die_log "could not create role/database $DB_NAME" "$PG_LOG"
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DB_USER') THEN
    CREATE ROLE $DB_USER LOGIN SUPERUSER PASSWORD '$DB_PASSWORD';
  END IF;
END \$\$;
SQL
  if [ -z "$(pg_psql -d postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" ]; then
    say "[pg] creating role $DB_USER and database $DB_NAME"
    pg_psql -d postgres -c "CREATE DATABASE $DB_NAME OWNER $DB_USER" >>"$PG_LOG" 2>&1 ||
      die_log "could not create database $DB_NAME" "$PG_LOG"
  fi
  PGPASSWORD=$DB_PASSWORD PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -q -tA -h "$HOST" -p "$PG_PORT" -U "$DB_USER" -d "$DB_NAME" \
    -c 'SELECT 1' >/dev/null 2>>"$PG_LOG" || die_log "cannot log in as $DB_USER over TCP" "$PG_LOG"
  say "[pg] ready in $(since "$t0") (pid $(pg_pid))"
}

pg_wait_ready() {
  local deadline=$((SECONDS + TIMEOUT))
  until "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -t 2; do
    pg_running || die_log "postgres exited during start" "$PG_LOG"
    [ "$SECONDS" -lt "$deadline" ] || die_log "postgres not ready after ${TIMEOUT}s (pg_isready)" "$PG_LOG"
    sleep 0.3
  done
}

pg_down() {
  pg_paths
  local pid
  pid=$(pg_pid)
  if [ -z "$pid" ]; then
    say "[pg] not running"
    rm -f "$RUN/pg.pid"
    return 0
  fi
  pg_bin
  say "[pg] stopping (pid $pid)"
  mark_log "$PG_LOG" "stop"
  if ! "${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -s -m fast -w -t 30 stop >>"$PG_LOG" 2>&1; then
    say "[pg] fast shutdown timed out, trying immediate"
    "${RUNAS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -s -m immediate -w -t 10 stop >>"$PG_LOG" 2>&1 || true
    pg_kill_tree "$pid"
  fi
  rm -f "$RUN/pg.pid"
  say "[pg] stopped"
}

pg_kill_tree() {
  local pid=$1 child
  for child in $(ps -o pid= --ppid "$pid" 2>/dev/null || true); do kill -KILL "$child" 2>/dev/null || true; done
  kill -KILL "$pid" 2>/dev/null || true
}

pg_kill() {
  pg_paths
  local pid
  pid=$(pg_pid)
  if [ -z "$pid" ]; then say "[pg] not running"; return 0; fi
  mark_log "$PG_LOG" "kill -9 $pid"
  # the postmaster and its backends, so a restart is not blocked by orphaned backends
  pg_kill_tree "$pid"
  local i
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$RUN/pg.pid"
  say "[pg] killed (SIGKILL pid $pid and its backends)"
}

pg_status() {
  pg_paths
  local pid
  pid=$(pg_pid)
  if [ -n "$pid" ]; then
    local ready=answering
    port_open "$PG_PORT" || ready='NOT answering'
    printf '%-9s %-8s pid %-8s %s:%-6s %s  data %s  log %s\n' postgres running "$pid" "$HOST" "$PG_PORT" "$ready" "$(rel "$PG_DATA")" "$(rel "$PG_LOG")"
    return 0
  fi
  printf '%-9s %-8s %-12s %s:%-6s data %s\n' postgres stopped - "$HOST" "$PG_PORT" "$(rel "$PG_DATA")"
  return 3
}

# ---------------------------------------------------------------------------------- kafka

KAFKA_POM=$STACK_DIR/kafka/pom.xml
KAFKA_LOG4J=$STACK_DIR/kafka/log4j2.xml
KAFKA_LIBS=$CACHE/kafka/libs
KAFKA_HOME=$HD/kafka
KAFKA_DATA=$KAFKA_HOME/data
KAFKA_CONF=$KAFKA_HOME/server.properties
KAFKA_LOG=$LOGS/kafka.log
KAFKA_PID=$RUN/kafka.pid
# JVM flags as in Kafka's bin/kafka-run-class.sh (KAFKA_JVM_PERFORMANCE_OPTS)
KAFKA_JVM_OPTS=(-server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
  -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true)

kafka_pid() {
  local pid
  pid=$(read_pid "$KAFKA_PID" 2>/dev/null || true)
  if proc_matches "$pid" "kafka.Kafka $KAFKA_CONF"; then printf '%s' "$pid"; fi
}

kafka_running() { [ -n "$(kafka_pid)" ]; }

kafka_libs_ready() {
  [ -s "$KAFKA_LIBS/.complete" ] && [ "$(cat "$KAFKA_LIBS/.complete")" = "$(sha256sum "$KAFKA_POM" | cut -c1-64)" ]
}

kafka_resolve_libs() {
  if kafka_libs_ready; then return 0; fi
  hd_ensure_maven
  local t0 mlog=$LOGS/kafka-maven.log
  t0=$(now_ms)
  say "[kafka] resolving broker jars from Maven Central into $(rel "$KAFKA_LIBS") (once; log $(rel "$mlog"))"
  rm -rf "$KAFKA_LIBS.tmp"
  mkdir -p "$CACHE/m2" "$(dirname "$KAFKA_LIBS")"
  mark_log "$mlog" "mvn dependency:copy-dependencies"
  mvn -q -B -Dstyle.color=never -f "$KAFKA_POM" dependency:copy-dependencies \
    -DoutputDirectory="$KAFKA_LIBS.tmp" -Dmaven.repo.local="$CACHE/m2" >>"$mlog" 2>&1 ||
    die_log "maven could not resolve the Kafka jars" "$mlog"
  compgen -G "$KAFKA_LIBS.tmp/kafka_2.13-*.jar" >/dev/null || die_log "maven finished but kafka_2.13 jar is missing" "$mlog"
  rm -rf "$KAFKA_LIBS"
  mv "$KAFKA_LIBS.tmp" "$KAFKA_LIBS"
  sha256sum "$KAFKA_POM" | cut -c1-64 >"$KAFKA_LIBS/.complete"
  say "[kafka] $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars ($(du -sh "$KAFKA_LIBS" | cut -f1)) in $(since "$t0")"
}

kafka_write_conf() {
  mkdir -p "$KAFKA_DATA"
  cat >"$KAFKA_CONF" <<EOF
# Written by scripts/stack.sh on every 'up'; edits are overwritten.
# Single node, KRaft combined mode (broker + controller in one JVM), loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA

num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0

# After a SIGKILL (stack.sh kill kafka) the restarted broker cannot register until the
# controller has expired its previous session; 4 s instead of the default 9 s keeps fault
# tests quick. Heartbeats are on loopback inside one JVM, so this is still very safe.
broker.heartbeat.interval.ms=1000
broker.session.timeout.ms=4000

# a small test machine
num.network.threads=3
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=168
EOF
}

kafka_format() {
  [ -f "$KAFKA_DATA/meta.properties" ] && return 0
  local id
  if [ -s "$KAFKA_HOME/cluster.id" ]; then
    id=$(cat "$KAFKA_HOME/cluster.id")
  else
    id=$(java -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool random-uuid 2>>"$KAFKA_LOG" | tail -n 1)
    printf '%s\n' "$id" >"$KAFKA_HOME/cluster.id"
  fi
  say "[kafka] formatting $(rel "$KAFKA_DATA") (KRaft, cluster id $id)"
  mark_log "$KAFKA_LOG" "kafka-storage format"
  java -Dlog4j2.configurationFile="$KAFKA_LOG4J" -cp "$KAFKA_LIBS/*" kafka.tools.StorageTool format \
    --ignore-formatted -t "$id" -c "$KAFKA_CONF" >>"$KAFKA_LOG" 2>&1 ||
    die_log "kafka storage format failed" "$KAFKA_LOG"
}

KAFKA_T0=''

# start the broker in the background; kafka_wait checks readiness
kafka_launch() {
  KAFKA_T0=$(now_ms)
  hd_ensure_java
  if kafka_running; then
    say "[kafka] already running (pid $(kafka_pid)) on $HOST:$KAFKA_PORT"
    return 0 # kafka_wait still checks that it answers
  fi
  kafka_resolve_libs
  kafka_write_conf
  kafka_format
  port_free_or_die "$KAFKA_PORT" "kafka"
  port_free_or_die "$KAFKA_CONTROLLER_PORT" "the kafka controller"
  say "[kafka] starting broker+controller on $HOST:$KAFKA_PORT (controller :$KAFKA_CONTROLLER_PORT, log $(rel "$KAFKA_LOG"))"
  mark_log "$KAFKA_LOG" "start"
  # shellcheck disable=SC2086 # KAFKA_HEAP is a list of JVM flags
  setsid nohup java $KAFKA_HEAP "${KAFKA_JVM_OPTS[@]}" -Dlog4j2.configurationFile="$KAFKA_LOG4J" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$KAFKA_CONF" >>"$KAFKA_LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$KAFKA_PID"
}

kafka_probe() {
  if command -v node >/dev/null 2>&1; then
    node "$STACK_DIR/kafka-probe.mjs" "$HOST" "$KAFKA_PORT"
  else
    # without node: the broker says it started and the port accepts connections
    port_open "$KAFKA_PORT" && tac "$KAFKA_LOG" | sed '/stack.sh: start =====/q' | grep -q 'Kafka Server started'
  fi
}

kafka_wait() {
  [ -n "$KAFKA_T0" ] || return 0
  local deadline=$((SECONDS + TIMEOUT)) last=''
  until last=$(kafka_probe 2>&1); do
    kafka_running || die_log "kafka exited during start" "$KAFKA_LOG"
    [ "$SECONDS" -lt "$deadline" ] || die_log "kafka not ready after ${TIMEOUT}s (last probe: ${last:-no answer})" "$KAFKA_LOG"
    sleep 0.5
  done
  say "[kafka] ready in $(since "$KAFKA_T0") (pid $(kafka_pid); ${last#ready: })"
}

kafka_down() {
  local pid
  pid=$(kafka_pid)
  if [ -z "$pid" ]; then say "[kafka] not running"; rm -f "$KAFKA_PID"; return 0; fi
  say "[kafka] stopping (pid $pid, controlled shutdown)"
  mark_log "$KAFKA_LOG" "stop"
  stop_pid "$pid" 60 kafka
  rm -f "$KAFKA_PID"
  say "[kafka] stopped"
}

kafka_kill() {
  local pid
  pid=$(kafka_pid)
  if [ -z "$pid" ]; then say "[kafka] not running"; return 0; fi
  mark_log "$KAFKA_LOG" "kill -9 $pid"
  kill -KILL "$pid"
  local i
  for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  rm -f "$KAFKA_PID"
  say "[kafka] killed (SIGKILL pid $pid); data kept in $(rel "$KAFKA_DATA")"
}

kafka_status() {
  local pid
  pid=$(kafka_pid)
  if [ -n "$pid" ]; then
    local ready=answering
    port_open "$KAFKA_PORT" || ready='NOT answering'
    printf '%-9s %-8s pid %-8s %s:%-6s %s  data %s  log %s\n' kafka running "$pid" "$HOST" "$KAFKA_PORT" "$ready" "$(rel "$KAFKA_DATA")" "$(rel "$KAFKA_LOG")"
    return 0
  fi
  printf '%-9s %-8s %-12s %s:%-6s data %s\n' kafka stopped - "$HOST" "$KAFKA_PORT" "$(rel "$KAFKA_DATA")"
  return 3
}

# ----------------------------------------------------------------------------------- smtp

SMTP_SINK=$STACK_DIR/smtp-sink.mjs
SMTP_DIR=$HD/mail
SMTP_LOG=$LOGS/smtp.log
SMTP_PID=$RUN/smtp.pid

smtp_pid() {
  local pid
  pid=$(read_pid "$SMTP_PID" 2>/dev/null || true)
  if proc_matches "$pid" "$SMTP_SINK"; then printf '%s' "$pid"; fi
}

smtp_running() { [ -n "$(smtp_pid)" ]; }

smtp_banner() { timeout 3 bash -c "exec 3<>/dev/tcp/$HOST/$SMTP_PORT && head -c 3 <&3" 2>/dev/null; }

smtp_up() {
  local t0
  t0=$(now_ms)
  if smtp_running; then
    say "[smtp] already running (pid $(smtp_pid)) on $HOST:$SMTP_PORT"
    smtp_wait_ready "$t0"
    return 0
  fi
  command -v node >/dev/null 2>&1 || die "node is needed for the SMTP sink"
  (cd "$STACK_DIR" && node -e "require.resolve('smtp-server')" >/dev/null 2>&1) ||
    die "the smtp-server package is missing from node_modules; run 'npm install' at the repo root"
  port_free_or_die "$SMTP_PORT" "the smtp sink"
  say "[smtp] starting sink on $HOST:$SMTP_PORT (mail in $(rel "$SMTP_DIR"), log $(rel "$SMTP_LOG"))"
  mark_log "$SMTP_LOG" "start"
  SMTP_SINK_HOST=$HOST SMTP_SINK_PORT=$SMTP_PORT SMTP_SINK_DIR=$SMTP_DIR \
    setsid nohup node "$SMTP_SINK" >>"$SMTP_LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$SMTP_PID"
  smtp_wait_ready "$t0"
  say "[smtp] ready in $(since "$t0") (pid $(smtp_pid))"
}

smtp_wait_ready() {
  local deadline=$((SECONDS + TIMEOUT))
  until [ "$(smtp_banner)" = 220 ]; do
    smtp_running || die_log "smtp sink exited during start" "$SMTP_LOG"
    [ "$SECONDS" -lt "$deadline" ] || die_log "smtp sink not answering after ${TIMEOUT}s" "$SMTP_LOG"
    sleep 0.2
  done
}

smtp_down() {
  local pid
  pid=$(smtp_pid)
  if [ -z "$pid" ]; then say "[smtp] not running"; rm -f "$SMTP_PID"; return 0; fi
  say "[smtp] stopping (pid $pid)"
  stop_pid "$pid" 10 smtp
  rm -f "$SMTP_PID"
  say "[smtp] stopped"
}

smtp_kill() {
  local pid
  pid=$(smtp_pid)
  if [ -z "$pid" ]; then say "[smtp] not running"; return 0; fi
  kill -KILL "$pid"
  rm -f "$SMTP_PID"
  say "[smtp] killed (SIGKILL pid $pid)"
}

smtp_status() {
  local pid count
  pid=$(smtp_pid)
  count=$(find "$SMTP_DIR" -maxdepth 1 -name '*.eml' 2>/dev/null | wc -l)
  if [ -n "$pid" ]; then
    local ready=answering
    port_open "$SMTP_PORT" || ready='NOT answering'
    printf '%-9s %-8s pid %-8s %s:%-6s %s  mail %s (%s messages)  log %s\n' smtp running "$pid" "$HOST" "$SMTP_PORT" "$ready" "$(rel "$SMTP_DIR")" "$count" "$(rel "$SMTP_LOG")"
    return 0
  fi
  printf '%-9s %-8s %-12s %s:%-6s mail %s (%s messages)\n' smtp stopped - "$HOST" "$SMTP_PORT" "$(rel "$SMTP_DIR")" "$count"
  return 3
}

# ------------------------------------------------------------------------------- commands

# One stack.sh at a time for up/down/kill. The lock lives on fd 9, which every long-running
# child (postgres, kafka, smtp sink) gets closed (9>&-), or it would hold the lock forever.
lock() {
  prepare_dirs
  exec 9>"$RUN/stack.lk"
  flock -w "$((TIMEOUT * 3))" 9 || die "another 'stack.sh' still holds $(rel "$RUN")/stack.lk after $((TIMEOUT * 3))s"
}

# validate in the calling shell (so an unknown name stops the script), then list them
check_components() {
  local c
  for c in "$@"; do normalize "$c" >/dev/null; done
}

components() {
  local c out=()
  if [ "$#" -eq 0 ]; then set -- "${ALL_COMPONENTS[@]}"; fi
  for c in "$@"; do out+=("$(normalize "$c")"); done
  # canonical order, no duplicates
  for c in "${ALL_COMPONENTS[@]}"; do
    case " ${out[*]} " in *" $c "*) printf '%s\n' "$c" ;; esac
  done
}

summary() {
  local line='' c part
  for c in "$@"; do
    case $c in
      pg) part="postgres $HOST:$PG_PORT" ;;
      kafka) part="kafka $HOST:$KAFKA_PORT" ;;
      smtp) part="smtp $HOST:$SMTP_PORT (mail in $(rel "$SMTP_DIR"))" ;;
    esac
    line=${line:+$line, }$part
  done
  printf '%s' "$line"
}

cmd_up() {
  local comps t0
  check_components "$@"
  mapfile -t comps < <(components "$@")
  t0=$(now_ms)
  lock
  hd_ensure_base_tools
  # Kafka takes longest: launch it first, start the others while the JVM boots, then wait.
  case " ${comps[*]} " in *" kafka "*) kafka_launch ;; esac
  case " ${comps[*]} " in *" pg "*) pg_up ;; esac
  case " ${comps[*]} " in *" smtp "*) smtp_up ;; esac
  case " ${comps[*]} " in *" kafka "*) kafka_wait ;; esac
  say "up in $(since "$t0") — $(summary "${comps[@]}")"
}

cmd_down() {
  local comps i
  check_components "$@"
  mapfile -t comps < <(components "$@")
  lock
  for ((i = ${#comps[@]} - 1; i >= 0; i--)); do "${comps[$i]}_down"; done
  say "down — ${comps[*]} stopped"
}

cmd_kill() {
  [ "$#" -gt 0 ] || die "usage: stack.sh kill <pg|kafka|smtp ...>"
  local comps c
  check_components "$@"
  mapfile -t comps < <(components "$@")
  lock
  for c in "${comps[@]}"; do "${c}_kill"; done
}

cmd_status() {
  local comps c rc=0
  check_components "$@"
  mapfile -t comps < <(components "$@")
  for c in "${comps[@]}"; do "${c}_status" || rc=3; done
  return "$rc"
}

cmd_env() {
  printf 'DATABASE_URL=postgres://%s:%s@%s:%s/%s\n' "$DB_USER" "$DB_PASSWORD" "$HOST" "$PG_PORT" "$DB_NAME"
  printf 'KAFKA_BROKERS=%s:%s\n' "$HOST" "$KAFKA_PORT"
  printf 'SMTP_URL=smtp://%s:%s\n' "$HOST" "$SMTP_PORT"
  printf 'HELMDESK_MAIL_DIR=%q\n' "$SMTP_DIR"
}

cmd_logs() {
  [ "$#" -ge 1 ] || die "usage: stack.sh logs <pg|kafka|smtp> [lines]"
  local c
  c=$(normalize "$1")
  local f=$LOGS/$c.log
  [ -f "$f" ] || die "no log yet: $(rel "$f")"
  tail -n "${2:-50}" "$f"
}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "${BASH_SOURCE[0]}"; }

main() {
  local cmd=${1:-}
  [ "$#" -gt 0 ] && shift
  case $cmd in
    up | start) cmd_up "$@" ;;
    down | stop) cmd_down "$@" ;;
    restart) cmd_down "$@"; cmd_up "$@" ;;
    status) cmd_status "$@" ;;
    env) cmd_env ;;
    kill) cmd_kill "$@" ;;
    logs) cmd_logs "$@" ;;
    -h | --help | help | '') usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
