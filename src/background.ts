import type { Logger } from './logger.js';

/** A repeating background job of the Node process. */
export interface BackgroundLoop {
  /** Runs the job again as soon as possible (now if idle, right after the current run otherwise). */
  wake(): void;
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
  let idle = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    idle = false;
    running = task()
      .catch((err: unknown) => logger.error({ err }, `${what} failed`))
      .finally(() => {
        if (stopped) return;
        if (again) {
          again = false;
          tick();
        } else {
          idle = true;
          timer = setTimeout(tick, intervalMs);
        }
      });
  };
  tick();
  return {
    wake() {
      if (stopped) return;
      if (idle) {
        clearTimeout(timer);
        tick();
      } else {
        again = true;
      }
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      // A wake may have chained one more run onto the one we saw; wait for whichever is last.
      let last: Promise<void>;
      do {
        last = running;
        await last;
      } while (last !== running);
    },
  };
}
