import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createBcryptPool } from '../../src/entry/bcrypt-pool.js';

const pool = createBcryptPool(2);
afterAll(() => pool.close());

describe('bcrypt worker-thread pool', () => {
  it('hashes and verifies off the main thread, compatibly with bcryptjs', async () => {
    const hash = await pool.hash('correct horse battery', 4);
    expect(hash).toMatch(/^\$2[aby]\$04\$/);
    expect(bcrypt.compareSync('correct horse battery', hash)).toBe(true);
    expect(await pool.verify('correct horse battery', hash)).toBe(true);
    expect(await pool.verify('wrong horse battery', hash)).toBe(false);
  });

  it('queues more jobs than threads and answers each one correctly', async () => {
    const hashes = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.hash(`password-${i}`, 4)));
    const checks = await Promise.all(hashes.map((h, i) => pool.verify(`password-${i}`, h)));
    expect(checks).toEqual(Array(8).fill(true));
    const crossed = await Promise.all(hashes.map((h, i) => pool.verify(`password-${(i + 1) % 8}`, h)));
    expect(crossed).toEqual(Array(8).fill(false));
  });

  it('keeps the event loop free while a slow hash runs', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await pool.hash('slow', 10);
    clearInterval(timer);
    // On the main thread a cost-10 hash (tens of milliseconds at least) would hold every timer tick until it
    // finished, so none could fire before the await returns. Counting ticks rather than comparing them with
    // the elapsed time keeps this true on a loaded machine.
    expect(ticks).toBeGreaterThan(2);
  });

  it('reports a bad job as an error, not a crash', async () => {
    // bcryptjs throws "Illegal arguments" for a missing password; the pool must reject, then go on working.
    await expect(pool.hash(undefined as unknown as string, 4)).rejects.toThrow(/Illegal arguments/);
    expect(await pool.verify('x', await pool.hash('x', 4))).toBe(true);
  });
});
