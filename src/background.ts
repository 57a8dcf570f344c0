import type { Logger } from './logger.js';

/** A repeating background job of the Node process. */
export interface BackgroundLoop {
  /** Stops scheduling; resolves once the run in progress (if any) has finished. */
  stop(): Promise<void>;
}

/**
 * Runs `task` now and then again `intervalMs` after each run ends (runs never overlap). A failed run is
 * logged and the loop goes on; `stop()` waits for the current run, so a graceful shutdown never abandons
 * half-done work. (Workers have no background: their cron trigger calls the same tasks.)
 */
export function startLoop(
  logger: Logger,
  what: string,
  task: () => Promise<void>,
  intervalMs: number,
): BackgroundLoop {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = task()
      .catch((err: unknown) => logger.error({ err }, `${what} failed`))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
