# syntax=docker/dockerfile:1
# One image for every Helmdesk program. The Helm chart picks the program with `args`:
#   services/<gateway|auth|case|agent|notification>/dist/main.js   the services
#   services/<auth|case|agent|notification>/dist/migrate.js          schema migrations
#   services/notification/dist/digest.js                              the daily digest
#   libs/platform/dist/cli/create-topics.js                           Kafka topics (+ .dlq)
# Build: docker build -t helmdesk:dev .   Run: docker run --rm helmdesk:dev services/auth/dist/main.js
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- build: install everything, compile every workspace, then drop dev dependencies ----------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV CI=true \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY . .
# `npm install`, not `npm ci`: the lock file is made where only Linux builds of native
# optional packages are served, and `npm ci` refuses a lock without the others (ADR 0016).
RUN --mount=type=cache,target=/root/.npm npm install --no-audit --no-fund
RUN npm run build \
 && if [ -f services/console/package.json ]; then npm run build --workspace=services/console --if-present; fi
RUN npm prune --omit=dev
# Gather exactly what runs: root manifests, production node_modules (workspace links included),
# and per workspace its package.json, dist/ and any node_modules/ npm placed there.
RUN set -eu; \
    mkdir -p /out; \
    cp package.json package-lock.json /out/; \
    cp -a node_modules /out/; \
    for ws in libs/* services/*; do \
      if [ ! -f "$ws/package.json" ]; then continue; fi; \
      mkdir -p "/out/$ws"; \
      cp "$ws/package.json" "/out/$ws/"; \
      if [ -d "$ws/dist" ]; then cp -a "$ws/dist" "/out/$ws/"; fi; \
      if [ -d "$ws/node_modules" ]; then cp -a "$ws/node_modules" "/out/$ws/"; fi; \
    done; \
    find /out -name '*.tsbuildinfo' -delete

# ---- runtime: node, the compiled code, nothing writable ---------------------------------------
FROM ${NODE_IMAGE} AS runtime
LABEL org.opencontainers.image.title="helmdesk" \
      org.opencontainers.image.description="Helmdesk gateway, services, migrations and CLIs (pick one with the container args)" \
      org.opencontainers.image.licenses="UNLICENSED"
ENV NODE_ENV=production
WORKDIR /app
# An unprivileged user (uid/gid 10001, as the chart's securityContext expects); package managers
# are not needed at run time, so they go.
RUN groupadd --system --gid 10001 helmdesk \
 && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin helmdesk \
 && rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack \
      /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
# Owned by root and read-only for the app user: the code cannot be changed at run time.
COPY --from=build /out/ /app/
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["node"]
CMD ["services/gateway/dist/main.js"]
