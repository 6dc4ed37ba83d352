# syntax=docker/dockerfile:1
#
# One image for every IPMI Monitor service (collector, streams, projections, api, web): the
# compose stack (infra/compose/) runs it once per service with the service name as the command.
#
#   docker build --target runtime -t ipmi-monitor .
#   docker run --rm ipmi-monitor collector
#
# Stages: manifests (package.json files only) -> deps (npm ci) -> build (tsc per workspace) ->
# prod-deps (npm ci --omit=dev) -> runtime (compiled dist/ + production node_modules).
# Production runs compiled JavaScript: no tsx, no `--conditions=ipmi-source`. Without that
# condition every workspace's `exports` resolves to its dist/.
# Behaviour is configured by environment variables only; nothing branches on NODE_ENV.

ARG NODE_IMAGE=node:24-bookworm-slim

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false

# ---------------------------------------------------------------------------------------------
# The lockfile and every workspace's package.json, nothing else, so the npm ci layers below stay
# cached until a dependency changes. Workspaces are read from the root package.json: a new
# workspace needs no change here.
FROM base AS manifests
COPY . /src
RUN mkdir -p /manifests \
 && cd /src \
 && cp package.json package-lock.json .npmrc /manifests/ \
 && for ws in $(node -p "require('./package.json').workspaces.join(' ')"); do \
      mkdir -p "/manifests/$ws" && cp "$ws/package.json" "/manifests/$ws/package.json"; \
    done

# ---------------------------------------------------------------------------------------------
# All dependencies, dev included (typescript builds the workspaces).
FROM base AS deps
COPY --from=manifests /manifests/ ./
RUN npm ci

# ---------------------------------------------------------------------------------------------
# Compile every workspace (tsc -p tsconfig.build.json into dist/; the UI is `vite build` into
# web/build/ plus its process wrapper into web/dist/service/), then collect what the runtime
# needs into /out: each workspace's package.json and build output, the .avsc contracts, the SQL
# migrations and the CLI's bin/ (the `ipmi-monitor` command). Workspaces build in the order the
# root package.json lists them, which must be dependency order: tsc reads a sibling's types
# from its dist/ (the CLI's from the UI's, so web comes before cli).
FROM deps AS build
COPY . .
RUN npm run build --workspaces --if-present \
 && mkdir -p /out \
 && for ws in $(node -p "require('./package.json').workspaces.join(' ')"); do \
      mkdir -p "/out/$ws" && cp "$ws/package.json" "/out/$ws/"; \
      for d in dist build avro migrations bin; do \
        if [ -d "$ws/$d" ]; then cp -R "$ws/$d" "/out/$ws/$d"; fi; \
      done; \
    done

# ---------------------------------------------------------------------------------------------
# Production dependencies only. --ignore-scripts: no production dependency needs an install
# script (pure JS, and PGlite ships its WASM in the tarball); revisit if a native module arrives.
FROM base AS prod-deps
COPY --from=manifests /manifests/ ./
RUN npm ci --omit=dev --ignore-scripts

# ---------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# The BMC clients the collector runs as subprocesses (FreeIPMI, ipmitool), and tini as PID 1:
# it forwards SIGTERM to Node for graceful shutdown and reaps the tool processes.
RUN apt-get update \
 && apt-get install -y --no-install-recommends freeipmi-tools ipmitool tini ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY --from=prod-deps /app/ ./
COPY --from=build /out/ ./

# `ipmi-monitor` is the CLI package's own bin, linked where the package.json "bin" field says:
# the same file `npx ipmi-monitor` runs in a checkout, which imports the compiled dist/main.js
# when it exists (here it always does), so production never needs tsx.
RUN bin="/app/cli/$(node -p "require('/app/cli/package.json').bin['ipmi-monitor']")" \
 && chmod 0755 "$bin" \
 && ln -s "$bin" /usr/local/bin/ipmi-monitor

# The official image's unprivileged user (uid 1000). Nothing under /app is writable by it;
# services keep state in Kafka and TimescaleDB. The exceptions are volumes: the state
# directory (/var/lib/ipmi-monitor: SDR caches, the API's first admin password) and the
# encrypted BMC credential store the API writes and the collector reads
# (/var/lib/ipmi-credentials). Both are created here because a fresh named volume takes the
# ownership of the directory it is mounted on; one missing from the image would be root's.
RUN mkdir -p /var/lib/ipmi-monitor /var/lib/ipmi-credentials \
 && chown node:node /var/lib/ipmi-monitor /var/lib/ipmi-credentials \
 && chmod 0700 /var/lib/ipmi-monitor /var/lib/ipmi-credentials
USER node

# Fail the build, not the first `up`, when the command or the UI would not be found: the CLI
# loads from the production dependencies, and the UI's process finds its build/ the way
# `ipmi-monitor web` does.
RUN ipmi-monitor --version \
 && node --input-type=module -e "const { buildDir } = await import('@ipmi-monitor/web'); buildDir();"

# Every service serves /health on HTTP_PORT (set per service by compose). fetch: the slim image
# has neither curl nor wget.
ENV HTTP_PORT=8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HTTP_PORT + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--", "ipmi-monitor"]
CMD ["--help"]
