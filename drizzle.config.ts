import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'mysql',
  schema: './db/schema/index.ts',
  out: './db/migrations',
  // Only `db:generate` uses this file; migrations are applied by `npm run db:migrate` (scripts/migrate.ts).
  dbCredentials: { url: process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/helpdesk' },
});
