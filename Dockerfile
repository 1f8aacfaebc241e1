# syntax=docker/dockerfile:1
#
# One image for both processes of the KRA race data platform:
#   API:    node [flags] dist/apps/api/src/main.js     (default CMD; port PORT, default 3000)
#   worker: node [flags] dist/apps/worker/src/main.js  (probes and metrics on WORKER_PORT, default 3001)
# The HEALTHCHECK probes HEALTHCHECK_PORT if set, else PORT, else 3000: run the worker with
# HEALTHCHECK_PORT set to its WORKER_PORT, or override the healthcheck (docker-compose.yml does).

ARG NODE_IMAGE=node:22-bookworm-slim

# ---- build: all dependencies, compile TypeScript to dist/ ----
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

# ---- runtime: production dependencies and dist/ only ----
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# `--omit=dev` also leaves out the `node` npm package (a dev dependency that only pins Node 22
# for local npm scripts): the image's own Node 22 runs the product.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/dist ./dist
# The captured KRA responses the built-in sandbox serves (found beside package.json).
COPY --from=build /app/libs/kra-sandbox/fixtures ./libs/kra-sandbox/fixtures
# Application files stay owned by root, read-only for the process.
USER node
EXPOSE 3000 3001
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HEALTHCHECK_PORT||process.env.PORT||3000)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# The Node flags of `npm run start:api`: a larger young generation, fewer scavenges for the
# short-lived objects of each request.
CMD ["node", "--max-semi-space-size=32", "dist/apps/api/src/main.js"]
