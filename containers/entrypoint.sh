#!/bin/sh
# The image's commands: one role per container. The role is written down for the HEALTHCHECK to know what to probe.
set -eu
role=${1:-api}
[ "$#" -eq 0 ] || shift
case "$role" in
  api) entry=dist/api/main.js ;;
  worker) entry=dist/worker/main.js ;;
  payments) entry=dist/payments/main.js ;;
  migrate) entry=dist/db/migrate-main.js ;;
  check) entry=dist/check/main.js ;;
  idp) entry=dist/idp/main.js ;;
  *) exec "$role" "$@" ;;
esac
echo "$role" > /tmp/role
exec node "$entry" "$@"
