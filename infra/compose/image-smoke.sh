#!/usr/bin/env bash
# Builds the production image and runs the product's services from it (api with the embedded
# database, collector, streams, web) on the host's network against the running local stack
# (`npm run stack start`) and two simulated BMCs, then checks that both servers are polled to
# health OK through the image's FreeIPMI, that a temperature fault becomes an alert, that the
# UI answers, and that every container reports healthy. Needs a Docker engine; not run by CI.
#
#   bash infra/compose/image-smoke.sh
#   NODE_IMAGE=my/node:24-bookworm-slim bash infra/compose/image-smoke.sh   # another base image
#
# The compose stack's third-party images (Kafka, registry, TimescaleDB, Prometheus, Grafana)
# are not involved: this checks our image, its user, its tools and its command.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PATH="$PWD/node_modules/.bin:$PATH"
image=ipmi-monitor:smoke
prefix="smoke-$RANDOM-"
volume="ipmi-smoke-$RANDOM"
fleet_home=$(mktemp -d)
export IPMI_FLEET_HOME=$fleet_home IPMI_FLEET_BASE_PORT=18950 IPMI_FLEET_CONSOLE_BASE=19950
# One known password for both simulated BMCs: it goes to the API in the import body only.
IPMI_FLEET_PASSWORD="smoke$RANDOM$RANDOM"
export IPMI_FLEET_PASSWORD
containers=(smoke-api smoke-collector smoke-streams smoke-web)

fail() {
  echo "image smoke FAILED: $*" >&2
  for c in "${containers[@]}"; do
    echo "--- $c" >&2
    docker logs --tail 15 "$c" >&2 2>&1 || true
  done
  exit 1
}
cleanup() {
  docker rm -f "${containers[@]}" >/dev/null 2>&1 || true
  docker volume rm "$volume" >/dev/null 2>&1 || true
  bash infra/bmc-sim/fleet.sh stop >/dev/null 2>&1 || true
  rm -rf "$fleet_home"
}
trap cleanup EXIT

docker info >/dev/null 2>&1 || fail "no Docker engine answers"
bash infra/local/stack.sh status >/dev/null || fail "the local stack is not running (npm run stack start)"

echo "building $image"
DOCKER_BUILDKIT=0 docker build -q ${NODE_IMAGE:+--build-arg NODE_IMAGE=$NODE_IMAGE} \
  --target runtime -t "$image" . >/dev/null
[ "$(docker run --rm "$image" --version)" = "$(node -p "require('./package.json').version")" ] ||
  fail "ipmi-monitor --version in the image is not the package version"
[ "$(docker run --rm --entrypoint id "$image" -u)" = 1000 ] || fail "the image does not run as uid 1000"

bash infra/bmc-sim/fleet.sh start 2 >/dev/null
docker volume create "$volume" >/dev/null
run() { # name port command [env...]
  local name=$1 port=$2 cmd=$3
  shift 3
  docker run -d --name "smoke-$name" --network host -v "$volume:/var/lib/ipmi-monitor" \
    -e IPMI_STATE_DIR=/var/lib/ipmi-monitor -e IPMI_DATA_DIR=/var/lib/ipmi-monitor/db \
    -e IPMI_TOPIC_PREFIX="$prefix" -e HTTP_HOST=127.0.0.1 -e HTTP_PORT="$port" \
    -e IPMI_POLL_SENSORS_MS=5000 -e IPMI_POLL_SEL_MS=5000 "$@" "$image" "$cmd" >/dev/null
}
run api 18470 api
for _ in $(seq 1 60); do
  curl -sf 127.0.0.1:18470/health >/dev/null && break
  sleep 2
done
curl -sf 127.0.0.1:18470/health >/dev/null || fail "the api did not answer /health"
run collector 19101 collector -e IPMI_COLLECTOR_ID="$prefix"
run streams 19102 streams -e IPMI_STREAMS_ID="$prefix"
run web 18480 web -e API_URL=http://127.0.0.1:18470

admin=$(docker run --rm -v "$volume:/s" --entrypoint sh "$image" -c \
  'sed -n "s/^password=//p" /s/api/admin-credentials')
# The password goes to curl on stdin: a -d argument would show in the process list.
token=$(printf '{"username":"admin","password":"%s"}' "$admin" |
  curl -sf -X POST -H 'content-type: application/json' --data-binary @- \
    127.0.0.1:18470/api/v1/auth/login | sed 's/.*"token":"\([^"]*\)".*/\1/')
api() { curl -sf -H "authorization: Bearer $token" "$@"; }
servers=""
for i in 1 2; do
  servers+="- name: smoke-$i
  host: 127.0.0.1
  port: $((IPMI_FLEET_BASE_PORT + i))
  username: admin
  password: $IPMI_FLEET_PASSWORD
  privilege: admin
  cipherSuite: 3
  workaroundFlags: [opensesspriv]
"
done
printf '%s' "$servers" | api -X POST -H 'content-type: application/yaml' --data-binary @- \
  127.0.0.1:18470/api/v1/servers/import >/dev/null || fail "importing the servers"

wait_for() { # what, then a command that succeeds when done
  local what=$1
  shift
  for _ in $(seq 1 45); do
    "$@" && return 0
    sleep 2
  done
  fail "$what"
}
both_ok() { api 127.0.0.1:18470/api/v1/fleet/summary | grep -q '"OK":2'; }
wait_for "both servers polled to health OK" both_ok
bash infra/bmc-sim/fleet.sh sensor 1 'CPU Temp' 95 >/dev/null
alert_raised() { api "127.0.0.1:18470/api/v1/alerts?state=active" | grep -q '"condition":"SENSOR_THRESHOLD"'; }
wait_for "the temperature alert" alert_raised
curl -sf -o /dev/null 127.0.0.1:18480/login || fail "the UI's login page"
all_healthy() {
  local c
  for c in "${containers[@]}"; do
    [ "$(docker inspect -f '{{.State.Health.Status}}' "$c")" = healthy ] || return 1
  done
}
wait_for "every container healthy" all_healthy
if docker logs smoke-collector 2>&1 | grep -qF "$IPMI_FLEET_PASSWORD"; then
  fail "a BMC password is in the collector's log"
fi
echo "image smoke ok: $image runs api, collector, streams and web as uid 1000; 2 BMCs polled OK through the image's FreeIPMI; a temperature fault raised its alert; every container healthy"
