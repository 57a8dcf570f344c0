import type { Logger } from './logger.js';

/** A repeating background job of the Node process. */
export interface BackgroundLoop {
  /** Runs the job again as soon as possible (now if idle, right after the current run otherwise). */
  wake(): void;
  /** Stops scheduling; resolves once the run in progress (if any) has finished. */
  stop(): Promise<void>;
}

/** While a loop keeps failing, how often it says so (after the first failure, logged in full). */
export const FAILURE_SUMMARY_MS = 60_000;

/**
 * Logs a loop's failures without flooding: the first with its stack, then one summary line per
 * `summaryMs` ("still failing for N s"), and one line when a run succeeds again. A database outage
 * otherwise prints a stack trace every poll (every 2 s for the outbox).
 */
export function failureReporter(logger: Logger, what: string, summaryMs = FAILURE_SUMMARY_MS) {
  let since: number | null = null;
  let failures = 0;
  let lastReport = 0;
  return {
    failed(err: unknown): void {
      const now = Date.now();
      failures++;
      if (since === null) {
        since = now;
        lastReport = now;
        logger.error({ err }, `${what} failed`);
      } else if (now - lastReport >= summaryMs) {
        lastReport = now;
        const message = err instanceof Error ? err.message : String(err);
        logger.warn(
          { failingForSeconds: Math.round((now - since) / 1000), failures, error: message },
          `${what} still failing`,
        );
      }
    },
    succeeded(): void {
      if (since === null) return;
      logger.info(
        { failedForSeconds: Math.round((Date.now() - since) / 1000), failures },
        `${what} recovered`,
      );
      since = null;
      failures = 0;
    },
  };
}

/**
 * Runs `task` now and then again `intervalMs` after each run ends (runs never overlap). A failed run is
 * reported (see `failureReporter`) and the loop goes on; `stop()` waits for the current run, so a graceful shutdown never abandons
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
  const report = failureReporter(logger, what);
  const tick = () => {
    idle = false;
    running = task()
      .then(
        () => report.succeeded(),
        (err: unknown) => report.failed(err),
      )
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

/**
 * `startLoop` over an outbox drain that honours `stopping`: `stop()` makes the pass in flight stop claiming
 * at once (it hands back what it has not started), then waits for it. A pass that claimed something is
 * logged with the `drained` message. The email outbox and the webhook dispatcher both run on it.
 */
export function startDrainLoop<D extends { logger: Logger; stopping?: () => boolean }>(
  deps: D,
  what: string,
  drained: string,
  drain: (deps: D) => Promise<{ claimed: number }>,
  pollMs: number,
): BackgroundLoop {
  let stopping = false;
  const mine: D = { ...deps, stopping: () => stopping || (deps.stopping?.() ?? false) };
  const loop = startLoop(
    deps.logger,
    what,
    async () => {
      const r = await drain(mine);
      if (r.claimed > 0) deps.logger.info(r, drained);
    },
    pollMs,
  );
  return {
    wake: () => loop.wake(),
    stop: () => {
      stopping = true;
      return loop.stop();
    },
  };
}
