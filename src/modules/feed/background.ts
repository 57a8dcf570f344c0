import { type BackgroundLoop, startLoop } from '../../background.js';
import type { Database } from '../../database.js';
import type { Logger } from '../../logger.js';
import { sequencePending } from './service.js';

/**
 * Numbers every committed event that has no feed position yet (one scheduled pass: the Workers cron, a
 * Node loop tick). Returns how many it numbered.
 */
export function sequenceFeed(database: Database, budgetMs = 5_000): Promise<number> {
  return database.use((db) => sequencePending(db, { budgetMs }));
}

/** How often the Node loop looks for unnumbered events when no write has woken it. */
export const FEED_INTERVAL_MS = 1_000;

/**
 * Node's feed sequencer: runs after every successful write (the entry wakes it) and every second, so
 * events are numbered within milliseconds of their commit and a feed read rarely has any numbering to
 * do itself. Runs never overlap; wakes during a run coalesce into one more run.
 */
export function startFeedLoop(
  deps: { database: Database; logger: Logger },
  intervalMs = FEED_INTERVAL_MS,
): BackgroundLoop {
  return startLoop(
    deps.logger,
    'feed sequencing',
    () => sequenceFeed(deps.database).then(() => {}),
    intervalMs,
  );
}
