#!/usr/bin/env bash
# Installs the tools the chart checks need, idempotently, under <repo>/.helmdesk:
#   - helm (v4) built from source with `go install` (Go module proxy)  -> .helmdesk/bin/helm
#   - helm (v3), the same way, to prove the chart works with both     -> .helmdesk/helm3/bin/helm
#   - kubernetes-validate (PyPI, bundles the Kubernetes OpenAPI schemas, used offline)
#     plus PyYAML/jsonschema (its dependencies)                       -> .helmdesk/venv
#   - dockerfile (PyPI, BuildKit's Dockerfile parser) for scripts/chart/dockerfile_check.py
# Gateway API objects (HTTPRoute) are not in kubernetes-validate: they are checked against the
# small JSON schema in scripts/chart/schemas/httproute-v1.json (see scripts/chart/validate.py).
# Re-running is cheap: nothing is rebuilt or re-downloaded when the pinned versions are there.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLS="$ROOT/.helmdesk"
HELM_VERSION="${HELM_VERSION:-v4.3.1}"
HELM3_VERSION="${HELM3_VERSION:-v3.22.0}"
KUBERNETES_VALIDATE_VERSION="${KUBERNETES_VALIDATE_VERSION:-1.37.0}"   # bundles schemas for Kubernetes 1.25 … 1.37
DOCKERFILE_PARSER_VERSION="${DOCKERFILE_PARSER_VERSION:-3.4.0}"
PYTHON="${PYTHON:-python3}"

mkdir -p "$TOOLS/bin" "$TOOLS/cache/go/mod" "$TOOLS/cache/go/build"
log() { printf '[install-chart-tools] %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { log "missing prerequisite: $1 ($2)"; exit 1; }; }

# ---- helm 4 and helm 3 ----------------------------------------------------------------------
install_helm() { # <major> <version> <GOBIN>
  local major="$1" version="$2" bin="$3" have=""
  [[ -x "$bin/helm" ]] && have="$("$bin/helm" version --template '{{.Version}}' 2>/dev/null || true)"
  if [[ "$have" == "$version" ]]; then
    log "helm $version already installed ($bin/helm)"
    return
  fi
  need go "install Go 1.24+ (Debian: golang, or go.dev)"
  log "building helm $version with go install (the first time takes a minute or two)"
  mkdir -p "$bin"
  GOBIN="$bin" \
  GOMODCACHE="$TOOLS/cache/go/mod" \
  GOCACHE="$TOOLS/cache/go/build" \
  GOFLAGS="${GOFLAGS:--buildvcs=false} -modcacherw" \
  CGO_ENABLED=0 \
    go install -trimpath -ldflags "-s -w -X helm.sh/helm/$major/internal/version.version=$version" \
      "helm.sh/helm/$major/cmd/helm@$version"
}
install_helm v4 "$HELM_VERSION" "$TOOLS/bin"
install_helm v3 "$HELM3_VERSION" "$TOOLS/helm3/bin"
helm_bin="$TOOLS/bin/helm"

# ---- Python tools (kubernetes-validate with its offline schemas, the Dockerfile parser) ------
venv="$TOOLS/venv"
pyver() { "$venv/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true; }
if [[ -x "$venv/bin/python" && "$(pyver kubernetes-validate)" == "$KUBERNETES_VALIDATE_VERSION" \
      && "$(pyver dockerfile)" == "$DOCKERFILE_PARSER_VERSION" ]]; then
  log "kubernetes-validate $KUBERNETES_VALIDATE_VERSION and dockerfile $DOCKERFILE_PARSER_VERSION already installed ($venv)"
else
  need "$PYTHON" "Python 3.9+ with the venv module"
  [[ -x "$venv/bin/python" ]] || "$PYTHON" -m venv "$venv"
  log "installing kubernetes-validate $KUBERNETES_VALIDATE_VERSION and dockerfile $DOCKERFILE_PARSER_VERSION into $venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "dockerfile==$DOCKERFILE_PARSER_VERSION" "PyYAML>=6" "jsonschema>=4"
fi

kube_versions="$("$venv/bin/python" -c 'import kubernetes_validate.utils as u; v=sorted(set(u.all_versions()), key=lambda s: [int(x) for x in s.split(".")]); print(v[0] + " … " + v[-1])')"
log "installed:"
log "  helm                $("$helm_bin" version --template '{{.Version}}')   $helm_bin"
log "  helm (3)            $("$TOOLS/helm3/bin/helm" version --template '{{.Version}}')   $TOOLS/helm3/bin/helm"
log "  kubernetes-validate $(pyver kubernetes-validate)   offline schemas for Kubernetes $kube_versions ($venv)"
log "  jsonschema          $(pyver jsonschema)   (HTTPRoute: scripts/chart/schemas/httproute-v1.json, a closed subset of the Gateway API v1 CRD)"
log "  PyYAML              $(pyver PyYAML)"
log "  dockerfile          $(pyver dockerfile)   (BuildKit's Dockerfile parser)"
