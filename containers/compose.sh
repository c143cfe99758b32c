#!/usr/bin/env bash
# docker-compose with this project's files for this machine (no registry): compose.yaml + compose.offline.yaml.
# Usage: bash containers/compose.sh <docker-compose arguments>, e.g. `ps`, `logs worker`.
set -euo pipefail
cd "$(dirname "$0")/.."
# The API's token secret: the environment's, else the local one `npm start` and `npm run token` use
# (data/local-secrets.json), so tokens from `npm run token` are accepted by the containers too.
if [ -z "${AUTH_JWT_SECRET:-}" ]; then
  AUTH_JWT_SECRET=$(node --import tsx -e 'console.log(require("./scripts/local-secrets.ts").ensureLocalSecrets().AUTH_JWT_SECRET)')
  export AUTH_JWT_SECRET
fi
exec docker-compose -p order-saga -f compose.yaml -f compose.offline.yaml "$@"
