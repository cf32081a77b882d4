# hwc-watcher: a slim, non-root image. State lives in the /var/lib/hwc-watcher volume;
# the root file system can be mounted read-only (docker run --read-only).
# The image holds what the README's install does: the release tarball (npm pack), installed with
# npm install -g; only the Node.js base differs: Node 22.23, the LTS line tested with scripts/test-node-lines
# (Node 20 reached its end of life in April 2026; keep it on a line that package.json's engines allows).

# Build stage: compiles TypeScript, packs the release tarball and installs it, which builds
# better-sqlite3's native module when no prebuilt binary can be fetched.
FROM node:22.23-bookworm-slim AS build
WORKDIR /src
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY config/hwc.example.yaml ./config/hwc.example.yaml
COPY systemd ./systemd
COPY LICENSE README.md CHANGELOG.md SECURITY.md ./
RUN npm ci --ignore-scripts=false \
 && npm pack \
 && npm install -g --no-audit --no-fund ./hwc-watcher-*.tgz

# Runtime stage: no compilers, no npm cache, no sources.
FROM node:22.23-bookworm-slim
ENV NODE_ENV=production
COPY --from=build /usr/local/lib/node_modules/hwc-watcher /usr/local/lib/node_modules/hwc-watcher
RUN ln -s ../lib/node_modules/hwc-watcher/dist/hwc.cjs /usr/local/bin/hwc \
 && mkdir -p /var/lib/hwc-watcher && chown node:node /var/lib/hwc-watcher && chmod 0700 /var/lib/hwc-watcher
USER node
WORKDIR /var/lib/hwc-watcher
VOLUME ["/var/lib/hwc-watcher"]
# Healthy when the configuration is valid and the audit chain is intact.
HEALTHCHECK --interval=5m --timeout=30s --start-period=30s \
  CMD ["hwc", "audit", "verify", "--config", "/etc/hwc-watcher/hwc.yaml"]
ENTRYPOINT ["hwc"]
CMD ["run", "--config", "/etc/hwc-watcher/hwc.yaml"]
