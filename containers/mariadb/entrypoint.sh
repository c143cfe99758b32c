#!/bin/sh
# First start on an empty volume: create the system tables, the root password for remote clients and the database;
# then run mariadbd in the foreground (it stops cleanly on SIGTERM).
set -eu
if [ ! -d /var/lib/mysql/mysql ]; then
  chown -R mysql:mysql /var/lib/mysql
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null
  sql="CREATE USER IF NOT EXISTS 'root'@'%' IDENTIFIED BY '${MARIADB_ROOT_PASSWORD:-}';
GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;
ALTER USER 'root'@'localhost' IDENTIFIED BY '${MARIADB_ROOT_PASSWORD:-}';"
  [ -z "${MARIADB_DATABASE:-}" ] || sql="$sql
CREATE DATABASE IF NOT EXISTS \`${MARIADB_DATABASE}\`;"
  echo "$sql" > /tmp/init.sql
  exec mariadbd --user=mysql --bind-address=0.0.0.0 --init-file=/tmp/init.sql "$@"
fi
exec mariadbd --user=mysql --bind-address=0.0.0.0 "$@"
