import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PasswordHasher } from '../passwords.js';

// Node only (never bundled for Workers): bcrypt off the event loop. A login at cost 12 is ~250 ms of
// pure CPU; on the main thread a login storm would stall every other request. Here each hash or
// compare runs on one of a few worker threads, and the event loop only posts a message and waits.

type Job = { op: 'hash'; password: string; cost: number } | { op: 'verify'; password: string; hash: string };

// The worker is CommonJS evaluated from this string, so it needs no build step or loader of its own
// (it runs the same under tsx and from dist/). It loads bcryptjs by absolute path.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcrypt);
parentPort.on('message', ({ id, job }) => {
  try {
    const result = job.op === 'hash' ? bcrypt.hashSync(job.password, job.cost) : bcrypt.compareSync(job.password, job.hash);
    parentPort.postMessage({ id, result });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err) });
  }
});
`;

export interface BcryptPool extends PasswordHasher {
  close(): Promise<void>;
}

/** A pool of `size` threads (default: one per core) running bcryptjs; jobs queue when all are busy. */
export function createBcryptPool(size = availableParallelism()): BcryptPool {
  const bcryptPath = createRequire(import.meta.url).resolve('bcryptjs');
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const queue: { id: number; job: Job }[] = [];
  const idle: Worker[] = [];
  let nextId = 0;

  const dispatch = () => {
    while (idle.length > 0 && queue.length > 0) idle.pop()!.postMessage(queue.shift());
  };
  const workers = Array.from({ length: Math.max(1, size) }, () => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { bcrypt: bcryptPath } });
    worker.unref();
    worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error !== undefined) p?.reject(new Error(msg.error));
      else p?.resolve(msg.result);
      idle.push(worker);
      dispatch();
    });
    idle.push(worker);
    return worker;
  });

  const run = <T>(job: Job) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      queue.push({ id, job });
      dispatch();
    });

  return {
    hash: (password, cost) => run<string>({ op: 'hash', password, cost }),
    verify: (password, hash) => run<boolean>({ op: 'verify', password, hash }),
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
