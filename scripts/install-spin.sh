#!/usr/bin/env bash
# Installs what `npm run model:check` needs when it is missing: Debian's spin (the Promela model checker) and gcc
# (to compile the verifiers spin writes). apt-get only; nothing else is downloaded.
set -euo pipefail
if command -v spin >/dev/null && command -v gcc >/dev/null; then exit 0; fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends spin gcc libc6-dev >/dev/null
echo "installed: $(spin -V), $(gcc --version | head -1)"
