#!/usr/bin/env bash
# Browser tests of the web page (storefront and operator console): see scripts/test-browser.sh.
exec bash "$(dirname "$0")/../../scripts/test-browser.sh"
