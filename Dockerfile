# hwc-watcher: a slim, non-root image. State lives in the /var/lib/hwc-watcher volume;
# the root file system can be mounted read-only (docker run --read-only).

# Build stage: compiles TypeScript and better-sqlite3's native module.
FROM node:20.19-bookworm-slim AS build
WORKDIR /app
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm ci --ignore-scripts=false \
 && npm run build \
 && npm prune --omit=dev

# Runtime stage: no compilers, no npm cache, no source maps of secrets (there are none).
FROM node:20.19-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config/hwc.example.yaml ./config/hwc.example.yaml
RUN mkdir -p /var/lib/hwc-watcher && chown node:node /var/lib/hwc-watcher && chmod 0700 /var/lib/hwc-watcher
USER node
VOLUME ["/var/lib/hwc-watcher"]
# Healthy when the configuration is valid and the audit chain is intact.
HEALTHCHECK --interval=5m --timeout=30s --start-period=30s \
  CMD ["node", "dist/cli.js", "audit", "verify", "--config", "/etc/hwc-watcher/hwc.yaml"]
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["run", "--config", "/etc/hwc-watcher/hwc.yaml"]
