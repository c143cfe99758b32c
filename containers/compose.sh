#!/usr/bin/env bash
# docker-compose with this project's files for this machine (no registry): compose.yaml + compose.offline.yaml.
# Usage: bash containers/compose.sh <docker-compose arguments>, e.g. `ps`, `logs worker`.
set -euo pipefail
cd "$(dirname "$0")/.."
# The API's token secret, the payload codec key and the payment provider's key and event secret: the environment's, else the local ones `npm start` and
# `npm run token` use (data/local-secrets.json), so tokens from `npm run token` are accepted by the containers too.
if [ -z "${AUTH_JWT_SECRET:-}" ]; then
  eval "$(node --import tsx -e '
    const secrets = require("./scripts/local-secrets.ts").ensureLocalSecrets();
    for (const name of ["AUTH_JWT_SECRET", "TEMPORAL_CODEC_KEYS", "TEMPORAL_CODEC_KEY_ID", "PAYMENTS_API_KEY", "PAYMENTS_WEBHOOK_SECRET"])
      if (!process.env[name]) console.log(`export ${name}=${JSON.stringify(secrets[name])}`);
  ')"
fi
exec docker-compose -p order-saga -f compose.yaml -f compose.offline.yaml "$@"
