#!/bin/sh
# Runs once, on the first start of an empty data volume (the postgres image's
# /docker-entrypoint-initdb.d convention; it sources or executes this file after the TimescaleDB
# extension is installed). Creates the read-only role Grafana's TimescaleDB datasource logs in
# with: pg_read_all_data covers every table, view and continuous aggregate the application
# creates later, and grants no writes. Changing GRAFANA_DB_PASSWORD afterwards needs an
# `ALTER ROLE` by hand (see docs/adr/0002-compose-stack.md).

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v reader="$GRAFANA_DB_USER" -v reader_password="$GRAFANA_DB_PASSWORD" <<'SQL'
CREATE ROLE :"reader" LOGIN PASSWORD :'reader_password';
GRANT pg_read_all_data TO :"reader";
ALTER ROLE :"reader" SET default_transaction_read_only = on;
SQL
