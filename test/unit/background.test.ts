import { describe, expect, it } from 'vitest';
import { startLoop } from '../../src/background.js';
import { createLogger } from '../../src/logger.js';

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
