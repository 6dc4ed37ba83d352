#!/usr/bin/env bash
# Runs IPMI Monitor's own services in the background for `npm start` / `npm stop`:
#   services.sh start    start what is not running (pid files in .state/run, logs in .state/logs)
#   services.sh stop     SIGTERM each service, wait for its graceful stop, then stop the demo fleet
#   services.sh status   one line per service
# Services join the list as their issues land.
set -euo pipefail
cd "$(dirname "$0")/.."
run=.state/run
logs=.state/logs
mkdir -p "$run" "$logs"
SERVICES=(collector streams api web)
export IPMI_STATE_DIR="${IPMI_STATE_DIR:-$PWD/.state}"

alive() { [ -f "$run/$1.pid" ] && kill -0 "$(cat "$run/$1.pid")" 2>/dev/null; }

start_one() {
  local name=$1
  if alive "$name"; then
    echo "$name: running (pid $(cat "$run/$name.pid"))"
    return
  fi
  nohup node cli/bin/ipmi-monitor.js "$name" >>"$logs/$name.log" 2>&1 &
  echo $! >"$run/$name.pid"
  sleep 2
  if ! alive "$name"; then
    echo "$name: failed to start; last lines of $logs/$name.log:" >&2
    tail -n 20 "$logs/$name.log" >&2
    exit 1
  fi
  echo "$name: started (pid $(cat "$run/$name.pid"), log $logs/$name.log)"
}

stop_one() {
  local name=$1
  if ! alive "$name"; then
    rm -f "$run/$name.pid"
    return
  fi
  local pid
  pid=$(cat "$run/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$run/$name.pid"
  echo "$name: stopped"
}

case "${1:-}" in
  start) for s in "${SERVICES[@]}"; do start_one "$s"; done ;;
  stop)
    # `projections` ran on its own before the API hosted it: stop one left from then.
    for s in "${SERVICES[@]}" projections; do stop_one "$s"; done
    if [ -d .state/fleet ]; then bash infra/bmc-sim/fleet.sh stop >/dev/null 2>&1 || true; fi
    ;;
  status)
    for s in "${SERVICES[@]}"; do
      if alive "$s"; then echo "$s: running (pid $(cat "$run/$s.pid"))"; else echo "$s: stopped"; fi
    done
    ;;
  *)
    echo "usage: services.sh start|stop|status" >&2
    exit 2
    ;;
esac
