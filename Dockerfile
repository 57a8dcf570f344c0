# Production image for the Node entry (Render, any container host).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build:node

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY db/migrations ./db/migrations
# `npm run db:migrate` / `admin:create` inside the container run the compiled scripts through this launcher.
COPY scripts/run.mjs ./scripts/run.mjs
USER node
EXPOSE 8787
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8787)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# Apply pending migrations (serialised by a named lock), then serve.
CMD ["sh", "-c", "node dist/scripts/migrate.js && exec node dist/src/entry/node.js"]
