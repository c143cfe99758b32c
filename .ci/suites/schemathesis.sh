#!/usr/bin/env bash
# The API contract under schemathesis (CI suite): installs schemathesis (pinned) from PyPI into a venv under the repo,
# then scripts/schemathesis-run.ts starts a real stack (Temporal dev server, payment stand-in, worker, API on their own
# ports, own MySQL database and Redis database) and runs schemathesis against GET /openapi.json with its default
# checks, bounded (--max-examples, a timeout). Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

SCHEMATHESIS_VERSION=4.32.5
venv=.venv-schemathesis
if [ ! -x "$venv/bin/schemathesis" ]; then
  python3 -m venv "$venv" && "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION" >/dev/null || {
    echo "schemathesis could not be installed"; echo "0 passed, 1 failed"; exit 1; }
fi

if SCHEMATHESIS_BIN="$PWD/$venv/bin/schemathesis" timeout 900 npx tsx scripts/schemathesis-run.ts; then
  echo "1 passed, 0 failed"
else
  echo "0 passed, 1 failed"
  exit 1
fi
