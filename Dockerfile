# syntax=docker/dockerfile:1
# backprop: one image for both processes. The API is the default command; the worker runs
# `node dist/bin/worker.js` (see docker-compose.yml). Build: docker build -t backprop .

# ---- build: dev dependencies (TypeScript, AssemblyScript) compile src/ into dist/
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# scripts (e.g. a `prepare` that compiles assembly/) run below, once the sources are copied
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY assembly ./assembly
COPY src ./src
# the console (ui/), bundled by Vite into dist/ui, which the API serves at /ui
COPY ui ./ui
RUN npm run build

# ---- runtime: production dependencies and dist/ only, as the unprivileged `node` user
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
# OpenBLAS for KERNELS=auto/blas (koffi, its FFI, ships its binaries in the npm package)
RUN apt-get update && apt-get install -y --no-install-recommends libopenblas0 && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# --ignore-scripts: lifecycle scripts build from sources, and this stage has none (only dist/)
RUN npm ci --omit=dev --no-audit --no-fund --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
EXPOSE 3000
# either process of this image (src/bin/healthcheck.ts): the API by its /healthz, a worker (no HTTP) by the heartbeat
# file its event loop rewrites every WORKER_HEARTBEAT_MS (fresh, Redis ready, taking jobs), told apart by PID 1's command
# line; no curl in the slim image
HEALTHCHECK --interval=15s --timeout=5s --start-period=15s --retries=3 \
  CMD ["node", "dist/bin/healthcheck.js"]
# exec form: node is PID 1 and receives SIGTERM itself, so close-with-grace runs
CMD ["node", "dist/bin/api.js"]
