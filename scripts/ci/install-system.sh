#!/usr/bin/env bash
# Helmdesk: install on a bare Debian 12 machine (CI runner, dev VM) the system packages the
# repo's scripts need. Idempotent: checks first, installs only what is missing, runs
# `apt-get update` at most once, and prints what it did. Needs root (or password-less sudo).
#
#   bash scripts/ci/install-system.sh
#
# Node.js (>= 20) is expected from the CI image / setup-node (Debian 12's nodejs is 18); this
# script only checks it. npm packages are not installed here (`npm ci` does that).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/stack/install.sh
. "$SCRIPT_DIR/../stack/install.sh"

PRESENT=()
WARNINGS=()
note_present() { PRESENT+=("$1"); }

# --- base tools used by scripts/stack.sh -----------------------------------------------------
# ca-certificates, curl, procps (ps/pgrep), iproute2 (ss), util-linux (flock/setsid/runuser),
# coreutils; git for `git rev-parse` (the scripts fall back to their own location without it)
hd_ensure_base_tools
if ! command -v git >/dev/null 2>&1; then hd_apt_install git; else note_present "git"; fi

# --- Java 17+ and Maven: the Kafka broker jars come from Maven Central -----------------------
if [ "$(hd_java_major)" -ge 17 ]; then note_present "java $(hd_java_major)"; else hd_ensure_java; fi
if command -v mvn >/dev/null 2>&1; then note_present "maven"; else hd_ensure_maven; fi

# --- PostgreSQL server binaries (Debian packages; the stack runs its own cluster) ------------
if [ -n "$(hd_pg_bindir)" ]; then note_present "postgresql ($(hd_pg_bindir))"; else hd_ensure_postgres; fi

# --- Node.js: check only ---------------------------------------------------------------------
if command -v node >/dev/null 2>&1; then
  node_major=$(node -p 'process.versions.node.split(".")[0]')
  if [ "$node_major" -ge 20 ]; then note_present "node $(node -v)"; else WARNINGS+=("node $(node -v) is older than 20"); fi
else
  WARNINGS+=("node is not installed (need >= 20; use the CI image's node or actions/setup-node)")
fi

# =============================================================================================
# >>> OTHER TOOLS: add further installs below this line (helm, chromium for browser tests,
# >>> python packages, ...). Keep the same pattern: check first, install only what is missing
# >>> (hd_apt_install <debian packages> for apt; note_present "<tool>" when already there).
# =============================================================================================

# helm and the chart validators: scripts/ci/install-chart-tools.sh (Go module proxy, PyPI).

# --- Python 3 with venv (ensurepip): schemathesis (scripts/schemathesis.sh, part of npm test) and
# --- the chart validators are pip-installed into their own venvs under .helmdesk/ ---------------
if command -v python3 >/dev/null 2>&1 && python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  note_present "python3 $(python3 -c 'import platform; print(platform.python_version())') with venv"
else
  hd_apt_install python3 python3-venv
fi

# --- Chromium for the console's browser tests (Debian's build; never a downloaded browser) ----
if [ -x /usr/bin/chromium ]; then note_present "chromium"; else hd_apt_install chromium fonts-dejavu-core; fi

# =============================================================================================
# <<< END OF OTHER TOOLS
# =============================================================================================

if [ "${#HD_INSTALLED[@]}" -gt 0 ]; then
  hd_say "install-system: installed ${HD_INSTALLED[*]}"
else
  hd_say "install-system: nothing to install"
fi
[ "${#PRESENT[@]}" -eq 0 ] || hd_say "install-system: already present: $(IFS=,; printf '%s' "${PRESENT[*]}" | sed 's/,/, /g')"
for w in "${WARNINGS[@]+"${WARNINGS[@]}"}"; do hd_say "install-system: WARNING: $w"; done
