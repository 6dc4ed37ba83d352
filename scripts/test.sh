#!/usr/bin/env bash
# The README's test command (`npm test`) and CI's: bootstrap, static checks, then unit,
# integration and end-to-end tests against a real local stack. Starts the stack if it is
# not running and stops it again afterwards; a stack you started yourself is reused and
# left running. Ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
say() { printf '\n[test] %s\n' "$*"; }
failures=0
checks_failed=()
check() {
  local name=$1
  shift
  say "$name"
  if ! "$@"; then
    checks_failed+=("$name")
    failures=$((failures + 1))
  fi
}

bash scripts/bootstrap.sh || { echo "bootstrap failed"; echo "0 passed, 1 failed"; exit 1; }
export PATH="$PWD/node_modules/.bin:$PATH"
rm -rf .state/test-results .state/test-logs

check 'generated code is in sync with schemas/ (npm run gen:check)' npm run -s gen:check
check 'type-check (npm run typecheck)' npm run -s typecheck
check 'lint and format (npm run lint)' npm run -s lint
check 'web UI: svelte-check' npm run -s check -w @ipmi-monitor/web
check 'web UI: production build' npm run -s build:ui -w @ipmi-monitor/web
check 'compose file validates (infra/compose/validate.sh)' bash infra/compose/validate.sh
check 'unit tests' node scripts/run-tests.mjs unit

started_stack=0
if ! bash infra/local/stack.sh status >/dev/null 2>&1; then
  say 'starting the local stack for the integration tests'
  if bash infra/local/stack.sh start; then started_stack=1; else
    checks_failed+=('local stack start')
    failures=$((failures + 1))
  fi
fi
if bash infra/local/stack.sh status >/dev/null 2>&1; then
  check 'integration tests' node scripts/run-tests.mjs int
  check 'end-to-end tests' node scripts/run-tests.mjs e2e
  # Last: it restarts the stack's broker and registry on purpose. Its counts are in the log
  # and in .state/soak/report.json.
  check 'soak test with faults, short form (npm run soak -- --short)' npm run -s soak -- --short
fi
if [ "$started_stack" -eq 1 ]; then
  say 'stopping the local stack'
  bash infra/local/stack.sh stop || true
fi

pass=0
fail=0
for f in .state/test-results/*.json; do
  [ -f "$f" ] || continue
  p=$(node -e "console.log(require('./$f').pass)")
  q=$(node -e "console.log(require('./$f').fail)")
  pass=$((pass + p))
  fail=$((fail + q))
done
# Static checks that failed count as failures too, so the closing line never reads green
# while a check is red.
for c in "${checks_failed[@]+"${checks_failed[@]}"}"; do
  case "$c" in unit\ tests | integration\ tests | end-to-end\ tests) ;; *) fail=$((fail + 1)) ;; esac
done
echo
[ "${#checks_failed[@]}" -gt 0 ] && printf '[test] failed: %s\n' "${checks_failed[@]}"
echo "$pass passed, $fail failed"
[ "$failures" -eq 0 ] && [ "$fail" -eq 0 ]
