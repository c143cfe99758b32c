#!/usr/bin/env bash
# `npm run build:web`: type-checks the web page (web/src) and builds it with Vite into web/dist, which the API serves
# at `/`. Run by `npm ci` (postinstall, with --if-installed: skipped when the dev tools are absent, as in a production
# install with --omit=dev) and before `npm start`; the container image's build stage runs it too.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" = "--if-installed" ] && [ ! -x node_modules/.bin/vite ]; then
  echo "[build:web] vite is not installed (production install): the web page is not built"
  exit 0
fi
node_modules/.bin/tsc -p web/tsconfig.json
node_modules/.bin/vite build --config web/vite.config.mts
echo "[build:web] web/dist built"
