#!/usr/bin/env bash
# `npm run containers:down`: stops and removes the stack's containers and network (SIGTERM first: workers drain).
# The data volumes stay for the next `containers:up`; `npm run containers:down -- --volumes` removes them too.
set -euo pipefail
cd "$(dirname "$0")/.."
docker info >/dev/null 2>&1 || { echo "[containers] no Docker daemon running: nothing to stop"; exit 0; }
bash containers/compose.sh down --remove-orphans "$@"
