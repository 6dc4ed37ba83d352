#!/usr/bin/env bash
# The README's "bring it up" command (`npm start`): installs what is missing, starts the
# local stack (Kafka, the schema registry), creates the topics, registers the schemas,
# migrates the embedded TimescaleDB, configures the servers (./servers.yaml, or a simulated
# demo fleet when no real BMCs are configured) and starts the services in the background.
# builds the web UI when its sources changed. `npm stop` stops it all.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash infra/local/stack.sh start
export PATH="$PWD/node_modules/.bin:$PATH"
tsx --conditions=ipmi-source infra/local/init.ts
tsx --conditions=ipmi-source infra/local/demo.ts
bash scripts/build-web.sh
bash scripts/services.sh start
echo 'web UI: http://127.0.0.1:8480 (log in as admin with the password in .state/api/admin-credentials)'
echo "api: http://127.0.0.1:8470/api/v1/docs (OpenAPI at /api/v1/openapi.json); first admin's password: .state/api/admin-credentials (0600)"
echo 'metrics: collector http://127.0.0.1:9101/metrics, streams http://127.0.0.1:9102/metrics, api (with a token) /metrics   logs: .state/logs/'
echo 'database: embedded TimescaleDB in .state/db, owned by the api process, which runs the projections (tables: projections/README.md)'
echo '  for Grafana: the compose stack (infra/compose) provisions it on its TimescaleDB; locally, DATABASE_URL=postgres://... IPMI_API_WITH_PROJECTIONS=on npm start puts the projections into a TimescaleDB server Grafana can read'
echo 'alerts and insights: npx ipmi-monitor tail alerts insights --from-beginning'
