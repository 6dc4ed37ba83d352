#!/usr/bin/env bash
# Installs what IPMI Monitor needs on a fresh Debian 12 machine, idempotently:
#   - Debian packages (when run as root): Java 17 + Maven for the local Kafka and registry,
#     docker-compose (validates infra/compose without a Docker engine), and the IPMI
#     simulator and clients (openipmi: ipmi_sim; ipmitool; freeipmi-tools) for the test fleet,
#     and PostgreSQL 15 (tests of the pg adapter's COPY path, which the embedded database
#     cannot run; the product itself does not use it), and Prometheus (`promtool check
#     metrics` and a real scrape of the API's /metrics in its tests), and Chromium (the UI's
#     browser tests drive it through playwright-core: Playwright's own download does not
#     work on these machines);
#   - npm dependencies, including Node 24 itself (the `node` devDependency ships the binary,
#     so every npm script runs on Node 24 even where the machine has Node 20);
#   - the Kafka and Apicurio jars from Maven Central, into ~/.cache/ipmi-monitor.
# Prints one line per step; skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[bootstrap] %s\n' "$*"; }

APT_PACKAGES=(openjdk-17-jre-headless maven docker-compose openipmi ipmitool freeipmi-tools postgresql prometheus chromium)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
# The machine image may carry Java and Maven without the Debian package names above.
if command -v java >/dev/null && command -v mvn >/dev/null; then
  missing=("${missing[@]/openjdk-17-jre-headless}")
  missing=("${missing[@]/maven}")
fi
read -r -a missing <<<"${missing[*]:-}"
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    say "missing Debian packages: ${missing[*]} (run as root, or: sudo apt-get install ${missing[*]})"
  fi
else
  say "Debian packages present"
fi

stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
else
  say "npm dependencies up to date"
fi
say "node for npm scripts: $(node_modules/.bin/node --version)"

bash infra/local/stack.sh fetch
