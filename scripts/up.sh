#!/usr/bin/env bash
# The README's "bring it up" command (`npm start`): installs what is missing, starts the
# local stack (Kafka, the schema registry), creates the topics, registers the schemas,
# migrates the embedded TimescaleDB and prints what runs where. `npm stop` stops it.
# The services (collector, streams, projections, API, UI) join this command as their
# issues land.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
bash infra/local/stack.sh start
export PATH="$PWD/node_modules/.bin:$PATH"
tsx --conditions=ipmi-source infra/local/init.ts
