# shellcheck shell=bash
# Helmdesk: install-what-is-missing helpers for Debian 12, shared by scripts/stack.sh and
# scripts/ci/install-system.sh. Sourced, not executed. Every function is idempotent: it checks
# first and only calls apt-get when something is really missing.

HD_APT_UPDATED=${HD_APT_UPDATED:-0}
HD_INSTALLED=() # packages installed by this process, for summaries

hd_say() { printf '%s\n' "$*"; }

# Run a command as root: directly when we are root, through sudo otherwise.
hd_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    hd_say "install: need root (or sudo) to run: $*" >&2
    return 1
  fi
}

# apt-get update once per process, then install the given packages non-interactively.
hd_apt_install() {
  [ "$#" -gt 0 ] || return 0
  if ! command -v apt-get >/dev/null 2>&1; then
    hd_say "install: apt-get not found; install these by hand: $*" >&2
    return 1
  fi
  if [ "$HD_APT_UPDATED" != 1 ]; then
    hd_say "install: apt-get update"
    hd_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    HD_APT_UPDATED=1
  fi
  hd_say "install: apt-get install -y $*"
  hd_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  HD_INSTALLED+=("$@")
}

# Installed-package check (dpkg), used for packages that ship no command of their own.
hd_pkg_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Newest /usr/lib/postgresql/<ver>/bin that has initdb, postgres and pg_ctl (empty if none).
hd_pg_bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ] && [ -x "$d/pg_ctl" ]; then
      printf '%s\n' "$d"
    fi
  done | sort -V | tail -n 1
}

# PostgreSQL server binaries. Debian's postgresql package normally creates and starts a
# "main" cluster on port 5432, which would collide with the Helmdesk stack; so
# postgresql-common goes in first and its create_main_cluster switch is turned off.
hd_ensure_postgres() {
  if [ -n "$(hd_pg_bindir)" ]; then
    return 0
  fi
  hd_say "install: PostgreSQL server binaries missing (no /usr/lib/postgresql/*/bin/initdb)"
  hd_apt_install postgresql-common
  local conf=/etc/postgresql-common/createcluster.conf
  if [ -f "$conf" ] && ! grep -Eq '^[[:space:]]*create_main_cluster[[:space:]]*=[[:space:]]*false' "$conf"; then
    hd_say "install: $conf: create_main_cluster = false (the stack runs its own cluster)"
    hd_as_root sed -i -E 's/^[#[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' "$conf"
    grep -Eq '^create_main_cluster = false' "$conf" || printf 'create_main_cluster = false\n' | hd_as_root tee -a "$conf" >/dev/null
  fi
  hd_apt_install postgresql postgresql-client
  if [ -z "$(hd_pg_bindir)" ]; then
    hd_say "install: postgresql installed but no initdb found under /usr/lib/postgresql/*/bin" >&2
    return 1
  fi
}

# Java major version of `java` on PATH (0 when none).
hd_java_major() {
  command -v java >/dev/null 2>&1 || { echo 0; return; }
  java -version 2>&1 | sed -E -n 's/.* version "([0-9]+)(\.[^"]*)?".*/\1/p' | head -n 1
}

# A JDK >= 17 (Kafka 4 brokers need Java 17+).
hd_ensure_java() {
  local major
  major=$(hd_java_major)
  if [ "${major:-0}" -ge 17 ]; then
    return 0
  fi
  hd_say "install: java ${major:-none} found, Kafka 4 needs 17+"
  hd_apt_install openjdk-17-jdk-headless
}

hd_ensure_maven() {
  command -v mvn >/dev/null 2>&1 && return 0
  hd_say "install: maven missing"
  hd_ensure_java
  hd_apt_install maven
}

# Commands the stack scripts use; maps command -> Debian package.
hd_ensure_base_tools() {
  local missing=() cmd pkg pair
  for pair in curl:curl ps:procps pgrep:procps ss:iproute2 flock:util-linux setsid:util-linux \
              runuser:util-linux timeout:coreutils sha256sum:coreutils; do
    cmd=${pair%%:*} pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 && continue
    case " ${missing[*]-} " in *" $pkg "*) ;; *) missing+=("$pkg") ;; esac
  done
  hd_pkg_installed ca-certificates || missing+=(ca-certificates)
  if [ "${#missing[@]}" -gt 0 ]; then
    hd_apt_install "${missing[@]}"
  fi
}
