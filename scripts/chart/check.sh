#!/usr/bin/env bash
# Checks the Helm chart offline (tools from scripts/ci/install-chart-tools.sh):
#   - values.schema.json, helm/helmdesk/README.md and k8s/ are what their generators write
#   - for every values profile helm/helmdesk/ci/*-values.yaml: helm lint --strict, helm template,
#     strict schema validation of every object (Kubernetes 1.33 and the newest bundled version;
#     HTTPRoute against scripts/chart/schemas/httproute-v1.json), then the policy tests
#   - Helm 3 lints each profile too and renders the same objects as Helm 4
#   - the schema rejects each file in scripts/chart/bad-values/ (helm lint and helm template fail,
#     with Helm 4 and Helm 3)
#   - the policy tests fail on broken renderings (self-test)
#   - the Dockerfile parses and keeps the runtime contract (scripts/chart/dockerfile_check.py)
# Prints one line per check and closes with "N passed, N failed"; exits 1 on any failure.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CHART="$ROOT/helm/helmdesk"
HELM="$ROOT/.helmdesk/bin/helm"
HELM3="$ROOT/.helmdesk/helm3/bin/helm"
PY="$ROOT/.helmdesk/venv/bin/python"
OUT="$ROOT/.helmdesk/render"
LOGS="$ROOT/.helmdesk/check-logs"
KUBE_VERSIONS=(1.33.0 1.37.0)

passed=0
failed=0
failures=()

# run <label> <command...>: one check; its output goes to a log shown only on failure
run() {
  local label="$1"; shift
  local log="$LOGS/$(echo "$label" | tr -c 'A-Za-z0-9._-' '_').log"
  local start ms
  start=$(date +%s%N)
  if "$@" >"$log" 2>&1; then
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    passed=$((passed + 1))
    printf 'ok    %-68s %3d.%01ds\n' "$label" $((ms / 1000)) $((ms % 1000 / 100))
  else
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    failed=$((failed + 1))
    failures+=("$label")
    printf 'FAIL  %-68s %3d.%01ds\n' "$label" $((ms / 1000)) $((ms % 1000 / 100))
    sed 's/^/      | /' "$log" | tail -40
  fi
}

# expect_reject <label> <values file>: helm lint and helm template must both refuse the values
expect_reject() {
  local values="$1" out rc helm
  for helm in "$HELM" "$HELM3"; do
    out="$("$helm" lint --strict "$CHART" -f "$values" 2>&1)"; rc=$?
    if [[ $rc -eq 0 ]]; then echo "$helm lint accepted $values"; return 1; fi
    grep -q "schema" <<<"$out" || { echo "$helm lint failed, but not on the schema:"; echo "$out"; return 1; }
    out="$("$helm" template helmdesk "$CHART" -f "$values" 2>&1)"; rc=$?
    if [[ $rc -eq 0 ]]; then echo "$helm template accepted $values"; return 1; fi
    grep -q "schema" <<<"$out" || { echo "$helm template failed, but not on the schema:"; echo "$out"; return 1; }
    echo "$out"
  done
}

# helm3 <profile> <values file>: Helm 3 lints the profile and renders the same objects as Helm 4
# (generated secret data, random in each render, is blanked before comparing)
helm3() {
  "$HELM3" lint --strict "$CHART" -f "$2" &&
    "$HELM3" template helmdesk "$CHART" --kube-version "${KUBE_VERSIONS[0]}" -f "$2" >"$OUT/$1.helm3.yaml" &&
    "$PY" - "$OUT/$1.yaml" "$OUT/$1.helm3.yaml" <<'PYEOF'
import sys, yaml
def load(path):
    docs = [d for d in yaml.safe_load_all(open(path)) if d]
    for d in docs:
        if d.get("kind") == "Secret":
            d["data"] = {k: "<blanked>" for k in d.get("data", {})}
    return docs
a, b = load(sys.argv[1]), load(sys.argv[2])
if a != b:
    print("Helm 3 renders differently from Helm 4:", len(a), "vs", len(b), "objects")
    for x, y in zip(a, b):
        if x != y:
            print("first difference in", x.get("kind"), x.get("metadata", {}).get("name"))
            break
    sys.exit(1)
print(len(a), "objects, identical")
PYEOF
}

render() { # <profile> <values file>
  "$HELM" template helmdesk "$CHART" --kube-version "${KUBE_VERSIONS[0]}" -f "$2" >"$OUT/$1.yaml"
}

validate() { # <profile>
  local args=()
  for v in "${KUBE_VERSIONS[@]}"; do args+=(--kube-version "$v"); done
  "$PY" "$ROOT/scripts/chart/validate.py" "$OUT/$1.yaml" --json "$OUT/$1.json" "${args[@]}"
}

policy() { # <profile>|selftest
  if [[ "$1" == selftest ]]; then
    HELMDESK_RENDER_DIR="$OUT" HELMDESK_POLICY_MODE=selftest node --test --test-reporter=spec "$ROOT/scripts/chart/policy.test.mjs"
  else
    HELMDESK_RENDER_DIR="$OUT" HELMDESK_POLICY_MODE=profiles HELMDESK_PROFILES="$1" node --test --test-reporter=spec "$ROOT/scripts/chart/policy.test.mjs"
  fi
}

readme_parser() {
  "$PY" -c 'import json,sys,yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' \
    "$CHART/values.yaml" "$OUT/values.json" &&
    HELMDESK_VALUES_JSON="$OUT/values.json" node --test --test-reporter=spec "$ROOT/scripts/chart/readme.test.mjs"
}

tools() {
  [[ -x "$HELM" ]] || { echo "missing $HELM: run scripts/ci/install-chart-tools.sh"; return 1; }
  [[ -x "$HELM3" ]] || { echo "missing $HELM3: run scripts/ci/install-chart-tools.sh"; return 1; }
  [[ -x "$PY" ]] || { echo "missing $PY: run scripts/ci/install-chart-tools.sh"; return 1; }
  "$HELM" version --short && "$HELM3" version --short && "$PY" -c 'import kubernetes_validate, jsonschema, yaml, dockerfile' && node --version
}

total_start=$(date +%s)
rm -rf "$OUT" "$LOGS"
mkdir -p "$OUT" "$LOGS"
echo "chart checks: $CHART"

run "tools installed" tools || true
if [[ $failed -gt 0 ]]; then
  echo "0 passed, 1 failed"
  exit 1
fi

run "values.schema.json is generated from scripts/chart/schema.mjs" node "$ROOT/scripts/chart/schema.mjs" --check
run "README generator reads values.yaml like PyYAML does" readme_parser
run "chart README is up to date and documents every value" node "$ROOT/scripts/chart/readme.mjs" --check
run "Dockerfile parses and keeps the runtime contract" "$PY" "$ROOT/scripts/chart/dockerfile_check.py"

profiles=()
for values in "$CHART"/ci/*-values.yaml; do
  profile="$(basename "$values" -values.yaml)"
  profiles+=("$profile")
  run "[$profile] helm lint --strict" "$HELM" lint --strict "$CHART" -f "$values"
  if run "[$profile] helm template" render "$profile" "$values"; then
    run "[$profile] strict Kubernetes ${KUBE_VERSIONS[*]} + HTTPRoute schemas" validate "$profile"
    if [[ -f "$OUT/$profile.json" ]]; then
      run "[$profile] policy tests" policy "$profile"
    fi
    run "[$profile] Helm 3 lints it and renders the same objects" helm3 "$profile" "$values"
  fi
done

for bad in "$ROOT"/scripts/chart/bad-values/*-values.yaml; do
  run "schema rejects $(basename "$bad")" expect_reject "$bad"
done
run "policy tests fail on broken renderings (self-test)" policy selftest
run "k8s/ is up to date with the chart" "$ROOT/scripts/chart/render-k8s.sh" --check

echo "profiles: ${profiles[*]}"
echo "time: $(( $(date +%s) - total_start ))s; logs in ${LOGS#"$ROOT"/}"
if [[ $failed -gt 0 ]]; then
  printf 'failed: %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
