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
# Compile every workspace to its dist/ (tsc -p tsconfig.build.json), then collect what the
# runtime needs into /out: each workspace's package.json and build output (dist/, and build/
# for the SvelteKit UI once it exists), plus the .avsc contracts and the SQL migrations.
FROM deps AS build
COPY . .
RUN npm run build --workspaces --if-present \
 && mkdir -p /out \
 && for ws in $(node -p "require('./package.json').workspaces.join(' ')"); do \
      mkdir -p "/out/$ws" && cp "$ws/package.json" "/out/$ws/"; \
      for d in dist build avro migrations; do \
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

# ENTRYPOINT placeholder: the project CLI `ipmi-monitor <service>` lands with the services
# (one CLI runs any one service, or all of them in one process locally). Until its path is
# fixed, this shim runs the compiled entry point named by IPMI_CLI_MAIN; when the CLI workspace
# exists, set the default to its dist/main.js (or replace the shim by the package's bin link).
ARG IPMI_CLI_MAIN=cli/dist/main.js
ENV IPMI_CLI_MAIN=/app/${IPMI_CLI_MAIN}
RUN printf '#!/bin/sh\nexec node "$IPMI_CLI_MAIN" "$@"\n' > /usr/local/bin/ipmi-monitor \
 && chmod 0755 /usr/local/bin/ipmi-monitor

# The official image's unprivileged user (uid 1000). Nothing under /app is writable by it;
# services keep state in Kafka and TimescaleDB. The one exception is the collector's
# encrypted credential store and SDR caches, on a volume at /var/lib/ipmi-monitor (created
# here so a fresh named volume inherits node's ownership).
RUN mkdir -p /var/lib/ipmi-monitor && chown node:node /var/lib/ipmi-monitor && chmod 0700 /var/lib/ipmi-monitor
USER node

# Every service serves /health on HTTP_PORT (set per service by compose). fetch: the slim image
# has neither curl nor wget.
ENV HTTP_PORT=8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.HTTP_PORT + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--", "ipmi-monitor"]
CMD ["--help"]
