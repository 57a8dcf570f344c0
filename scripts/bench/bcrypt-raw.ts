import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

// Ceiling for login: how many bcryptjs hashes per second this machine makes at a cost, on as many
// threads as the app's hashing pool has (one per core), with nothing else running.
//   node dist/scripts/bench/bcrypt-raw.js <cost> <seconds> [threads]
const cost = Number(process.argv[2] ?? 12);
const seconds = Number(process.argv[3] ?? 5);
const threads = Number(process.argv[4] ?? availableParallelism());

const code = `
const { parentPort, workerData } = require('node:worker_threads');
const bcrypt = require(workerData.bcrypt);
const end = Date.now() + workerData.seconds * 1000;
let n = 0;
while (Date.now() < end) { bcrypt.compareSync('bench-password-1', workerData.hash); n++; }
parentPort.postMessage(n);
`;
const { createRequire } = await import('node:module');
const require = createRequire(import.meta.url);
const bcryptPath = require.resolve('bcryptjs');
const bcrypt = require(bcryptPath) as typeof import('bcryptjs');
const hash = bcrypt.hashSync('bench-password-1', cost);
const t0 = performance.now();
const counts = await Promise.all(
  Array.from(
    { length: threads },
    () =>
      new Promise<number>((resolve, reject) => {
        const w = new Worker(code, { eval: true, workerData: { bcrypt: bcryptPath, seconds, hash } });
        w.once('message', resolve);
        w.once('error', reject);
      }),
  ),
);
const elapsed = (performance.now() - t0) / 1000;
const total = counts.reduce((a, b) => a + b, 0);
process.stdout.write(`${JSON.stringify({ cost, threads, hashesPerSecond: total / elapsed })}\n`);
