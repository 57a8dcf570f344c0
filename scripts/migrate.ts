import { runMigrations } from '../db/migrate.js';
import { scrubUrlCredentials } from '../src/logger.js';

// `npm run db:migrate`: applies pending migrations to DATABASE_URL.
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required (e.g. mysql://user:pass@127.0.0.1:3306/helpdesk)');
  process.exit(1);
}
try {
  await runMigrations(url);
  console.log(`migrations applied to ${scrubUrlCredentials(url)}`);
} catch (err) {
  console.error(`migration failed: ${scrubUrlCredentials(err instanceof Error ? err.message : String(err))}`);
  process.exit(1);
}
