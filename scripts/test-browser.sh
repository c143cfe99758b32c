#!/usr/bin/env bash
# `npm run test:browser` (and .ci/suites/browser.sh): browser tests of the web page (storefront and operator console) and of the Temporal Web UI decoding through the codec server, in Debian's chromium with Playwright, against a
# real stack (Temporal dev server with its Web UI pointed at the codec server, payment stand-in, worker, codec server, API serving the built page; hold RESERVATION_TTL=20s),
# which Playwright's webServer starts from test/browser/stack-main.ts and stops at the end. No browser is downloaded.
# Ends with "N passed, N failed". Ports: BROWSER_API_PORT (3500), BROWSER_PAYMENTS_PORT (4500),
# BROWSER_TEMPORAL_PORT (7500), BROWSER_UI_PORT (8500), BROWSER_CODEC_PORT (8600), BROWSER_IDP_PORT (8700, the local OpenID provider); data: BROWSER_DATABASE_URL, BROWSER_REDIS_URL.
# Arguments go to Playwright: `npm run test:browser -- web-ui-codec` runs one spec file.
set -uo pipefail
cd "$(dirname "$0")/.."

if ! command -v "${CHROMIUM_PATH:-/usr/bin/chromium}" >/dev/null 2>&1; then
  echo "[browser] installing Debian's chromium"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq chromium >/dev/null) || { echo "0 passed, 1 failed"; exit 1; }
fi
[ -f web/dist/index.html ] || npm run --silent build:web || { echo "0 passed, 1 failed"; exit 1; }

rm -rf test-results/browser
npx playwright test --config test/browser/playwright.config.ts "$@"
code=$?
# Playwright's SIGTERM reaches the dev server at once; parts still draining against it are stopped here (best effort).
if [ -f test-results/browser-stack-pids ]; then
  while read -r pid; do [ -n "$pid" ] && kill -TERM -- "-$pid" 2>/dev/null; done < test-results/browser-stack-pids
  sleep 3
  while read -r pid; do [ -n "$pid" ] && kill -KILL -- "-$pid" 2>/dev/null; done < test-results/browser-stack-pids
  rm -f test-results/browser-stack-pids
fi
node -e '
  const fs = require("fs");
  let passed = 0, failed = 1;
  try {
    const stats = JSON.parse(fs.readFileSync("test-results/browser/results.json", "utf8")).stats;
    passed = stats.expected;
    failed = stats.unexpected + stats.flaky + (stats.expected + stats.unexpected + stats.flaky === 0 ? 1 : 0);
  } catch {}
  console.log(`${passed} passed, ${failed} failed`);
'
exit $code
