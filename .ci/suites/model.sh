#!/usr/bin/env bash
# The order protocol, model-checked (issue 27): installs Debian's spin and gcc when missing (scripts/install-spin.sh),
# then `npm run model:check` verifies model/order.pml under each fault budget (safety and liveness) and refutes every
# buggy twin with a trail. One count per verdict; ends with "N passed, N failed". A few minutes on 2 cores.
set -uo pipefail
cd "$(dirname "$0")/../.."

if ! bash scripts/install-spin.sh; then echo "spin could not be installed"; echo "0 passed, 1 failed"; exit 1; fi

log=$(mktemp)
npm run --silent model:check 2>&1 | tee "$log"
counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
rm -f "$log"
[ -n "$counts" ] || counts="0 passed, 1 failed"
echo "$counts"
[[ "$counts" == *" 0 failed" ]]
