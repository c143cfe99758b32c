#!/usr/bin/env bash
# The container test: the stack built and brought up as a user of this machine would (`npm run containers:up --
# --workers=3`: Docker installed and its daemon started when missing, images built offline), then 66 orders under a
# worker crash and a worker stop (test/containers/stack-run.ts), then torn down, volumes and all.
set -uo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)

teardown() { bash containers/down.sh --volumes >/dev/null 2>&1 || true; }
trap teardown EXIT
teardown # a stack left by an earlier run would carry its data into this one

if ! npm run --silent containers:up -- --workers=3; then
  echo "containers: the stack did not come up"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "containers: stack up after $(( $(date +%s) - started )) s"

node --import tsx test/containers/stack-run.ts
status=$?
echo "containers: done after $(( $(date +%s) - started )) s"
exit $status
