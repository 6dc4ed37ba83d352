#!/usr/bin/env bash
# Validates the production compose stack without a Docker engine:
#   1. docker-compose.yml is valid for docker-compose 1.29 (and the Compose v2 plugin when that
#      is what is installed), both with .env.example as the env file and with no settings at all;
#   2. the defaults in docker-compose.yml equal the values in .env.example (both renderings
#      are identical), and every variable the compose file reads is documented in .env.example;
#   3. the expected services exist, and every service built from the Dockerfile has a
#      healthcheck, a restart policy and a command;
#   4. prometheus/prometheus.yml renders to a valid config (when promtool is installed).
# What the services get (commands, config variables, ports, scrape targets) is checked against
# the code and the local stack by compose-drift.unit.test.ts, in the unit tests.
# Exits non-zero with one line per problem. Usage: bash infra/compose/validate.sh
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
compose_file="$here/docker-compose.yml"
example="$here/.env.example"

# Services the stack must have. Keep in sync with docker-compose.yml and the ADR.
expected_services=(kafka registry timescaledb prometheus grafana collector streams projections api web)

fail() {
  echo "compose validation FAILED: $*" >&2
  exit 1
}

if command -v docker-compose >/dev/null 2>&1; then
  compose=(docker-compose)
elif docker compose version >/dev/null 2>&1; then
  compose=(docker compose)
else
  fail "neither docker-compose nor the docker compose plugin is installed (Debian: apt-get install -y docker-compose)"
fi
command -v python3 >/dev/null 2>&1 || fail "python3 is needed to inspect the rendered compose file"
python3 -c 'import yaml' 2>/dev/null || fail "python3 module yaml is needed (Debian: apt-get install -y python3-yaml)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/empty.env"

# Run compose with a clean environment: variables exported by the caller (a test script that
# sets KAFKA_BROKERS or LOG_LEVEL, say) would otherwise override both .env and the defaults.
# The empty env file also keeps an operator's own infra/compose/.env out of the check.
run_compose() {
  local env_file="$1"
  shift
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" \
    "${compose[@]}" -f "$compose_file" --project-directory "$here" --env-file "$env_file" "$@"
}

# 1. Syntax and schema.
run_compose "$example" config -q 2>"$tmp/err" ||
  fail "docker-compose config rejects the file with .env.example: $(cat "$tmp/err")"
run_compose "$tmp/empty.env" config -q 2>"$tmp/err" ||
  fail "docker-compose config rejects the file without any settings: $(cat "$tmp/err")"

# 2. Defaults in sync with the example.
run_compose "$example" config >"$tmp/with-example.yml" 2>"$tmp/err" ||
  fail "docker-compose config (with .env.example): $(cat "$tmp/err")"
run_compose "$tmp/empty.env" config >"$tmp/defaults.yml" 2>"$tmp/err" ||
  fail "docker-compose config (defaults): $(cat "$tmp/err")"
if ! diff -u "$tmp/defaults.yml" "$tmp/with-example.yml" >"$tmp/diff"; then
  echo "--- rendered with defaults / +++ rendered with .env.example:" >&2
  cat "$tmp/diff" >&2
  fail "a \${VAR:-default} in docker-compose.yml differs from its value in .env.example (diff above)"
fi

# 3. Structure, on the rendered file.
python3 - "$tmp/defaults.yml" "$compose_file" "$example" "${expected_services[@]}" <<'PY'
import re
import sys

import yaml

rendered_path, compose_path, example_path, *expected = sys.argv[1:]
problems = []

with open(rendered_path) as f:
    services = (yaml.safe_load(f) or {}).get("services", {})

for name in expected:
    if name not in services:
        problems.append(f"service '{name}' is missing")

for name, svc in sorted(services.items()):
    health = svc.get("healthcheck") or {}
    test = health.get("test") or []
    if health.get("disable") or test in (["NONE"], "NONE") or not test:
        if "build" in svc or name in expected:
            problems.append(f"service '{name}' has no healthcheck")
    if svc.get("restart") in (None, "no"):
        problems.append(f"service '{name}' has no restart policy")
    if "build" in svc:
        build = svc["build"]
        if build.get("target") != "runtime":
            problems.append(f"service '{name}' builds target {build.get('target')!r}, not 'runtime'")
        if not svc.get("command"):
            problems.append(f"service '{name}' is built from the Dockerfile but has no command")
    for dep, spec in (svc.get("depends_on") or {}).items():
        if isinstance(spec, dict) and spec.get("condition") != "service_healthy":
            problems.append(f"service '{name}' waits for '{dep}' without condition service_healthy")
    for volume in svc.get("volumes") or []:
        source = volume.get("source", "") if isinstance(volume, dict) else str(volume).split(":")[0]
        mode = volume.get("read_only") if isinstance(volume, dict) else str(volume).endswith(":ro")
        if source.startswith("/") and not mode:
            problems.append(f"service '{name}' mounts host path {source} writable (named volumes for state)")

# Every variable the compose file reads is set (and so documented) in .env.example, and the
# example sets nothing the compose file does not read (COMPOSE_* are compose's own).
with open(compose_path) as f:
    text = "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in f.read().splitlines())
    used = set(re.findall(r"(?<!\$)\$\{([A-Z0-9_]+)", text))
documented = {}
with open(example_path) as f:
    lines = f.read().splitlines()
for i, line in enumerate(lines):
    m = re.match(r"^([A-Z0-9_]+)=", line)
    if not m:
        continue
    # A comment must sit in the block right above the variable (or above its group).
    j = i - 1
    while j >= 0 and re.match(r"^[A-Z0-9_]+=", lines[j]):
        j -= 1
    documented[m.group(1)] = j >= 0 and lines[j].startswith("#")
for var in sorted(used - documented.keys()):
    problems.append(f"${{{var}}} is used in docker-compose.yml but not set in .env.example")
for var in sorted(documented.keys() - used):
    if not var.startswith("COMPOSE_"):
        problems.append(f"{var} is set in .env.example but docker-compose.yml never reads it")
for var, has_comment in sorted(documented.items()):
    if not has_comment:
        problems.append(f"{var} in .env.example has no comment above it")

if problems:
    for p in problems:
        print(f"compose validation FAILED: {p}", file=sys.stderr)
    sys.exit(1)
PY

# 4. Prometheus config, rendered the way the container renders it (defaults from .env.example).
if command -v promtool >/dev/null 2>&1; then
  port() { sed -n "s/^$1=//p" "$example"; }
  sed -e "s/__COLLECTOR_HTTP_PORT__/$(port COLLECTOR_HTTP_PORT)/g" \
    -e "s/__STREAMS_HTTP_PORT__/$(port STREAMS_HTTP_PORT)/g" \
    -e "s/__PROJECTIONS_HTTP_PORT__/$(port PROJECTIONS_HTTP_PORT)/g" \
    -e "s/__API_HTTP_PORT__/$(port API_HTTP_PORT)/g" \
    "$here/prometheus/prometheus.yml" >"$tmp/prometheus.yml"
  grep -q '__[A-Z_]*__' "$tmp/prometheus.yml" &&
    fail "prometheus/prometheus.yml has a placeholder the compose entrypoint does not render"
  promtool check config --syntax-only "$tmp/prometheus.yml" >"$tmp/out" 2>&1 ||
    fail "promtool rejects the rendered prometheus/prometheus.yml: $(cat "$tmp/out")"
  prometheus_note="prometheus config ok"
else
  prometheus_note="prometheus config not checked (promtool not installed)"
fi

echo "compose validation ok: ${#expected_services[@]} services, with and without .env, defaults match .env.example; $prometheus_note"
