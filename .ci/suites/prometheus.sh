#!/usr/bin/env bash
# Observability checks (issue: metrics, dashboards and alerts). Installs Debian's prometheus package (it brings
# promtool), then: the alert rules are valid (promtool check rules) and behave as their unit tests say (promtool test
# rules), the dashboard is valid JSON, and a real Prometheus scrapes the API and a worker of a running stack and
# evaluates the rules and the dashboard's queries (scripts/prometheus-scrape-check.ts). Bounded: a few minutes.
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

passed=0
failed=0
step() { # step NAME COMMAND...: one check, counted
  local name=$1; shift
  if "$@"; then echo "ok   $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}

if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq >/dev/null && $SUDO apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  # The package starts its own daemon on :9090 where systemd runs; this suite runs its own Prometheus instead.
  $SUDO systemctl stop prometheus prometheus-node-exporter >/dev/null 2>&1 || true
fi
if ! command -v promtool >/dev/null; then echo "promtool could not be installed"; echo "0 passed, 1 failed"; exit 1; fi

step "promtool check rules" promtool check rules deploy/prometheus/rules.yml
step "promtool test rules" promtool test rules deploy/prometheus/rules.test.yml
step "prometheus configs are valid" bash -c 'for f in deploy/prometheus/prometheus.yml deploy/prometheus/prometheus.host.yml; do
  tmp=$(mktemp -d); cp deploy/prometheus/rules.yml "$tmp/rules.yml"; sed "s#/etc/prometheus/rules.yml#$tmp/rules.yml#" "$f" > "$tmp/p.yml"
  promtool check config "$tmp/p.yml" >/dev/null || exit 1; rm -rf "$tmp"; done'
step "grafana dashboard is valid JSON with panels" node -e '
  const d = JSON.parse(require("fs").readFileSync("deploy/grafana/dashboards/order-saga-drop.json", "utf8"));
  if (!d.uid || !Array.isArray(d.panels) || d.panels.length < 8) process.exit(1);'

log=$(mktemp)
timeout 600 npx tsx scripts/prometheus-scrape-check.ts 2>&1 | tee "$log"
counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
p=$(echo "$counts" | sed -nE 's/^([0-9]+) passed.*/\1/p'); f=$(echo "$counts" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
[ -n "$p" ] || { p=0; f=1; }
passed=$((passed + p)); failed=$((failed + f))
rm -f "$log"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
