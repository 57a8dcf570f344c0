import { describe, expect, it, vi } from 'vitest';
import { failureReporter, startLoop } from '../../src/background.js';
import { createLogger, type Logger } from '../../src/logger.js';

const logger = createLogger({ level: 'silent' });
const tick = () => new Promise((r) => setTimeout(r, 10));

describe('startLoop', () => {
  it('runs at once, then wake() runs it again without waiting for the interval', async () => {
    let runs = 0;
    const loop = startLoop(logger, 'test', async () => void runs++, 3_600_000);
    await tick();
    expect(runs).toBe(1);
    loop.wake();
    await tick();
    expect(runs).toBe(2);
    await loop.stop();
  });

  it('a wake during a run queues exactly one more run; stop() waits for it', async () => {
    let runs = 0;
    let release: () => void = () => {};
    const loop = startLoop(
      logger,
      'test',
      async () => {
        runs++;
        if (runs === 1) await new Promise<void>((r) => (release = r));
      },
      3_600_000,
    );
    await tick();
    loop.wake();
    loop.wake();
    loop.wake();
    release();
    await tick();
    expect(runs).toBe(2);
    await loop.stop();
    loop.wake();
    await tick();
    expect(runs).toBe(2);
  });

  it('a failing run is logged and the loop goes on', async () => {
    let runs = 0;
    const loop = startLoop(
      logger,
      'test',
      async () => {
        runs++;
        throw new Error('boom');
      },
      3_600_000,
    );
    await tick();
    loop.wake();
    await tick();
    expect(runs).toBe(2);
    await loop.stop();
  });
});

describe('failureReporter (a loop failing for a while, e.g. the outbox during a database outage)', () => {
  it('logs the first failure in full, then one summary per period, then the recovery', () => {
    const lines: { level: string; msg: string; obj: Record<string, unknown> }[] = [];
    const record =
      (level: string) =>
      (obj: Record<string, unknown>, msg: string): void =>
        void lines.push({ level, msg, obj });
    const fake = { error: record('error'), warn: record('warn'), info: record('info') };
    const report = failureReporter(fake as unknown as Logger, 'outbox dispatch', 60_000);
    const start = Date.now();
    let now = start;
    const spy = vi.spyOn(Date, 'now').mockImplementation(() => now);
    try {
      // 10 minutes of failures every 2 s: 300 failures.
      for (; now < start + 600_000; now += 2000) report.failed(new Error('connect ECONNREFUSED'));
      report.succeeded();
      report.succeeded();
    } finally {
      spy.mockRestore();
    }
    expect(lines.filter((l) => l.level === 'error')).toHaveLength(1);
    expect(lines[0]!.obj.err).toBeInstanceOf(Error);
    const summaries = lines.filter((l) => l.level === 'warn');
    expect(summaries.length).toBeGreaterThanOrEqual(9);
    expect(summaries.length).toBeLessThanOrEqual(10);
    expect(summaries[0]).toMatchObject({
      msg: 'outbox dispatch still failing',
      obj: { failingForSeconds: 60 },
    });
    expect(summaries.every((l) => !('err' in l.obj))).toBe(true);
    const recovered = lines.filter((l) => l.level === 'info');
    expect(recovered).toHaveLength(1);
    expect(recovered[0]).toMatchObject({ msg: 'outbox dispatch recovered', obj: { failures: 300 } });
  });
});
