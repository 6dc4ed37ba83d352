#!/usr/bin/env bash
# Builds the web UI (SvelteKit production build into web/build) when it is missing or older
# than its sources, so `npm start` serves what is checked out without rebuilding every time.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
mkdir -p .state/logs
stamp=web/build/handler.js
if [ -f "$stamp" ] && [ -z "$(find web/src web/static web/svelte.config.js web/vite.config.ts web/package.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo 'web: building the UI (vite build)'
npm run -s build:ui -w @ipmi-monitor/web >.state/logs/web-build.log 2>&1 || {
  echo 'web: the build failed; last lines of .state/logs/web-build.log:' >&2
  tail -n 30 .state/logs/web-build.log >&2
  exit 1
}
# A running UI serves the build it started with, and its files are gone now: restart it
# (`services.sh start`, which npm start runs next, starts it again).
if [ -f .state/run/web.pid ] && kill -0 "$(cat .state/run/web.pid)" 2>/dev/null; then
  kill -TERM "$(cat .state/run/web.pid)" 2>/dev/null || true
  sleep 1
  echo 'web: stopped the running UI (it served the previous build)'
fi
