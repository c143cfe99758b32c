#!/usr/bin/env bash
# deploy/k8s rendered with kustomize (kubectl's built-in) and validated offline against the Kubernetes 1.37 schemas
# (kubernetes-validate, strict: unknown fields fail), then the promises a schema cannot check
# (deploy/check_manifests.py). A manifest broken on purpose must fail validation: the validator can say no.
set -uo pipefail
cd "$(dirname "$0")/../.."
venv=.venv-k8s
if ! cmp -s deploy/requirements.txt "$venv/.requirements"; then
  python3 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check -r deploy/requirements.txt \
    && cp deploy/requirements.txt "$venv/.requirements" || { echo "k8s: tools did not install"; echo "0 passed, 1 failed"; exit 1; }
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

if "$venv/bin/kubectl" kustomize deploy/k8s > "$work/rendered.yaml"; then
  echo "ok   kustomize renders deploy/k8s ($(grep -c '^kind:' "$work/rendered.yaml") resources)"; passed=$((passed + 1))
else
  echo "FAIL kustomize renders deploy/k8s"; echo "$passed passed, $((failed + 1)) failed"; exit 1
fi

if "$venv/bin/kubernetes-validate" --strict --quiet "$work/rendered.yaml"; then
  echo "ok   every resource valid for Kubernetes 1.37 (strict)"; passed=$((passed + 1))
else
  echo "FAIL every resource valid for Kubernetes 1.37 (strict)"; failed=$((failed + 1))
fi

sed 's/terminationGracePeriodSeconds: 40/terminationGracePeriodSecond: 40/' "$work/rendered.yaml" > "$work/broken.yaml"
if ! "$venv/bin/kubernetes-validate" --strict --quiet "$work/broken.yaml" >/dev/null 2>&1; then
  echo "ok   a misspelt field is refused"; passed=$((passed + 1))
else
  echo "FAIL a misspelt field is refused"; failed=$((failed + 1))
fi

"$venv/bin/python" deploy/check_manifests.py "$work/rendered.yaml" > "$work/checks.txt"
grep -v ' passed, ' "$work/checks.txt"
p=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p' "$work/checks.txt"); f=$(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p' "$work/checks.txt")
passed=$((passed + ${p:-0})); failed=$((failed + ${f:-1}))

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
