# capwatch in a container: syslog on 5514 (UDP, TCP), TLS syslog on 6514, RELP on 2514 and TACACS+ on 4949 when
# configured, the console and API on 8080. The configuration is /etc/capwatch/capwatch.yaml (capwatch.example.yaml: it needs
# CAPWATCH_ADMIN_TOKEN_SHA256); the SQLite file and known_hosts go to /data, the only place it writes, so the
# container runs with a read-only root file system. test/deploy.test.ts rebuilds these stages' file system and starts
# it, since the tests have no container runtime.
#
# Node 22 (LTS until April 2027), not 24: from 24.19 on, Node's headers give node::ObjectWrap a cleanup hook, and
# better-sqlite3 12 compiled against them aborts when a statement is collected (nodejs/node#65446) - which is what
# this build does whenever better-sqlite3's prebuilt binary cannot be downloaded. better-sqlite3 13 avoids it but needs
# Node 22 or later, so Node 24 can come with it once Node 20 support is dropped.
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# better-sqlite3 compiles its native module when no prebuilt one can be downloaded.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
# Dependencies first, so that a source change does not reinstall them. --ignore-scripts: `prepare` (the build)
# cannot run before the sources are here; the dependencies' own install scripts (native modules) run in rebuild.
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild
# The service only: bench/ (benchmarks, the device simulator) and test/ are not built into the image.
COPY tsconfig.json tsconfig.console.json ./
COPY scripts ./scripts
COPY parsers ./parsers
COPY src ./src
# The batched UDP receive addon (N-API: built once, for any Node); without it syslog UDP falls back to node:dgram.
COPY native ./native
RUN npm run build:native && npm run build && npm prune --omit=dev

FROM ${NODE_IMAGE}
# SQLite's temporary files (VACUUM copies the whole database, large sorts spill) on the data volume, not in /tmp.
ENV NODE_ENV=production SQLITE_TMPDIR=/data
WORKDIR /app
# Owned by root and read-only to the service's user (node).
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/native/udp-batch/build/Release/udp_batch.node ./native/udp-batch/build/Release/udp_batch.node
COPY rules ./rules
COPY capwatch.example.yaml /etc/capwatch/capwatch.yaml
RUN mkdir /data && chown node:node /data && chmod 0700 /data
USER node
VOLUME ["/data"]
EXPOSE 5514/udp 5514/tcp 6514/tcp 2514/tcp 4949/tcp 8080/tcp
# Node's own fetch (the slim image has no curl). CAPWATCH_HEALTHCHECK_URL if http.port or http.tls is changed.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.CAPWATCH_HEALTHCHECK_URL || 'http://127.0.0.1:8080/healthz', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve", "--config", "/etc/capwatch/capwatch.yaml"]
