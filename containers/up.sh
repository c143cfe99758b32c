#!/usr/bin/env bash
# `npm run containers:up -- --workers=N`: the whole service in containers on this machine, which reaches no image
# registry: installs Docker when missing, starts the daemon when none runs, builds the local stand-in images and the
# service's image, and brings the stack up with N workers: API on localhost:3000, Temporal on localhost:7233, Web UI
# on localhost:8233. Returns once the API answers ready.
set -euo pipefail
cd "$(dirname "$0")/.."

workers=1
for arg in "$@"; do
  case "$arg" in
    --workers=*) workers=${arg#--workers=} ;;
    *) echo "unknown option $arg (use --workers=N)" >&2; exit 2 ;;
  esac
done
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "--workers must be a whole number ≥ 1, got '$workers'" >&2; exit 2; }

bash containers/ensure-docker.sh
bash containers/build-stand-ins.sh
echo "[containers] building order-saga:local"
docker build --quiet --build-arg BASE_IMAGE="$(sed -nE 's/^NODE_VERSION=([^ ]+).*/order-saga\/node:\1/p' containers/build-stand-ins.sh)" \
  -t order-saga:local . >/dev/null
echo "[containers] order-saga:local is $(docker image inspect -f '{{.Size}}' order-saga:local | awk '{printf "%.0f MB", $1/1e6}')"

bash containers/compose.sh up -d --no-build --scale worker="$workers"

echo "[containers] waiting for the API to be ready"
for _ in $(seq 1 180); do
  if curl -fsS localhost:3000/readyz >/dev/null 2>&1; then
    echo "[containers] up: API http://localhost:3000, Temporal localhost:7233, Web UI http://localhost:8233, $workers worker(s)"
    exit 0
  fi
  sleep 1
done
echo "[containers] the API did not become ready within 180 s" >&2
bash containers/compose.sh ps >&2
bash containers/compose.sh logs --tail=30 api temporal migrate temporal-setup >&2
exit 1
