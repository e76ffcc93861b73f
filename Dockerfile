# capwatch: syslog (UDP/TCP 5514), HTTP API (8080). Data in /data.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json ./
COPY src ./src
COPY parsers ./parsers
COPY bench ./bench
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY rules ./rules
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 5514/udp 5514/tcp 8080/tcp
VOLUME ["/data"]
ENTRYPOINT ["node", "dist/src/cli.js"]
CMD ["serve", "--config", "/etc/capwatch/capwatch.yaml"]
