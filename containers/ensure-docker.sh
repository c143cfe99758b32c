#!/usr/bin/env bash
# Makes sure a Docker engine and docker-compose are installed and a daemon answers: installs Debian's docker.io and
# docker-compose when missing, and starts dockerd in the background when none runs (a fresh CI machine has none).
set -euo pipefail

if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null || ! command -v debootstrap >/dev/null; then
  echo "[containers] installing docker.io, docker-compose and debootstrap from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io docker-compose debootstrap >/dev/null
fi

if docker info >/dev/null 2>&1; then exit 0; fi

echo "[containers] starting dockerd"
mkdir -p /var/log
# setsid: the daemon outlives the shell that started it (containers:down leaves it running, like a system service).
setsid nohup dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then exit 0; fi
  sleep 1
done
echo "[containers] dockerd did not answer within 60 s; its log:" >&2
tail -20 /var/log/dockerd.log >&2
exit 1
