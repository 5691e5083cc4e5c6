# latchkey's image. It is built by scripts/release.sh and nothing else — the
# script scripts/check-release.sh runs in CI, starting the same tree with the
# same command and the same HEALTHCHECK — so what CI proved is what runs here.
#
#   docker build -t latchkey .
#   docker run -p 3000:3000 -v latchkey-data:/data -e MANAGE_API_KEY=… latchkey
#   docker run --rm -v latchkey-data:/data -e MANAGE_API_KEY=… latchkey latchkey migrate

FROM node:20-slim AS build
# better-sqlite3 compiles from source where its prebuilt binary cannot be fetched.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY package.json package-lock.json ./
# Dev dependencies, to compile TypeScript; nothing here runs the service, so
# no install scripts (the release's own install compiles better-sqlite3).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY . .
RUN bash scripts/release.sh --install /release

FROM node:20-slim
ENV NODE_ENV=production \
    DATABASE_URL=/data/latchkey.db
WORKDIR /app
# Owned by root: the service cannot rewrite its own code. It writes only /data.
COPY --from=build /release /app
RUN mkdir /data && chown node:node /data \
 && ln -s /app/dist/src/cli.js /usr/local/bin/latchkey
VOLUME /data
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=6s --start-period=10s --retries=3 CMD ["node", "dist/src/healthcheck.js"]
# node is PID 1 and gets SIGTERM itself (no npm or shell in between).
CMD ["node", "dist/src/cli.js", "serve"]
