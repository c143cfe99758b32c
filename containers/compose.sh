#!/usr/bin/env bash
# docker-compose with this project's files for this machine (no registry): compose.yaml + compose.offline.yaml.
# Usage: bash containers/compose.sh <docker-compose arguments>, e.g. `ps`, `logs worker`.
set -euo pipefail
cd "$(dirname "$0")/.."
exec docker-compose -p order-saga -f compose.yaml -f compose.offline.yaml "$@"
