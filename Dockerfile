# The service's one image: `api`, `worker`, `payments`, `migrate` (and `check`) are its commands
# (containers/entrypoint.sh). Node 24 LTS by default; BASE_IMAGE names another Node image (the offline stand-in here).
ARG BASE_IMAGE=node:24-bookworm-slim

FROM ${BASE_IMAGE} AS build
WORKDIR /app
# Only where the registry's TLS is re-signed by a local authority (containers/build-ca/ca.pem; see its README).
COPY containers/build-ca/ /tmp/build-ca/
COPY package.json package-lock.json ./
# --ignore-scripts: the install step fetches the Temporal dev binaries, which the images do not need.
RUN if [ -f /tmp/build-ca/ca.pem ]; then export NODE_EXTRA_CA_CERTS=/tmp/build-ca/ca.pem; fi \
 && npm ci --ignore-scripts --no-audit --no-fund
# Sources (what .dockerignore leaves: no tests, benchmarks or docs); tsconfig.build.json says what is compiled.
COPY . .
# build:web: the web page (web/dist), which the API serves at / (api/web-page.ts finds it beside dist/).
RUN npm run build && npm run build:web && npm prune --omit=dev --ignore-scripts --no-audit --no-fund

FROM ${BASE_IMAGE} AS runtime
# tini as PID 1: signals reach Node (SIGTERM drains a worker) and zombies are reaped.
RUN if ! command -v tini >/dev/null; then \
      apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/*; \
    fi \
 && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin app
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    PAYMENTS_PORT=4010 \
    PAYMENTS_HOST=0.0.0.0 \
    METRICS_HOST=0.0.0.0 \
    CODEC_SERVER_HOST=0.0.0.0 \
    WORKER_HEALTH_PORT=8081
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY --from=build /app/web/dist web/dist
COPY containers/entrypoint.sh /usr/local/bin/order-saga
# The payment stand-in's ledger (PAYMENTS_DATA_FILE) lives here; compose mounts a volume on it so it survives restarts.
RUN mkdir -p /app/data && chown app /app/data
USER app
EXPOSE 3000 4010 8081
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 CMD ["node", "dist/containers/healthcheck.js"]
ENTRYPOINT ["tini", "--", "order-saga"]
CMD ["api"]
