# Backup Applications Manager: API, console and playground in one image.
FROM node:20-bookworm-slim AS build
WORKDIR /app
RUN npm install -g pnpm@10.34.9
COPY pnpm-lock.yaml pnpm-workspace.yaml package.json tsconfig.base.json ./
COPY packages/shared/package.json packages/shared/
COPY packages/server/package.json packages/server/
COPY packages/web/package.json packages/web/
# Every workspace package, or the build of the ones not installed fails (the emulator types the demo entry).
COPY packages/entra-emulator/package.json packages/entra-emulator/
COPY test/package.json test/
COPY bench/package.json bench/
RUN pnpm install --frozen-lockfile
COPY packages packages
RUN pnpm build && pnpm --filter @bam/server deploy --prod --legacy /srv/server

FROM node:20-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=4000 DATA_DIR=/data WEB_DIST_DIR=/srv/web
WORKDIR /srv/server
COPY --from=build /srv/server ./
COPY --from=build /app/packages/web/dist /srv/web
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 4000
# As docker-compose.yml's: /healthz answers 200 while the database does. node itself (the slim image has no curl), on PORT.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT || 4000}/healthz`, { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--enable-source-maps", "dist/main.js"]
