#!/usr/bin/env node
// Bundles the Workers entry (wrangler.toml → src/entry/worker.ts) into dist/worker/worker.js, exactly as
// `wrangler deploy` would upload it, without contacting Cloudflare. The Workers smoke test runs the same
// script (with --outdir pointing at a temp dir) and loads the result into Miniflare.
// Prints the bundle's raw and gzipped size and fails when the gzipped size exceeds 1 MiB: the project's
// budget (the Workers free plan's old limit; Cloudflare now allows 3 MB free / 10 MB paid after
// compression), kept because a smaller Worker starts faster on a cold isolate.
//
//   node scripts/build-worker.mjs [--outdir <dir>]
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const i = process.argv.indexOf('--outdir');
const outdir = resolve(root, i > 0 && process.argv[i + 1] ? process.argv[i + 1] : 'dist/worker');

// The email templates are compiled into a module the bundle imports; make sure it is current.
await import('./gen-templates.mjs');

const require = createRequire(import.meta.url);
const pkgPath = require.resolve('wrangler/package.json');
const { bin } = JSON.parse(readFileSync(pkgPath, 'utf8'));
const wrangler = join(dirname(pkgPath), typeof bin === 'string' ? bin : bin.wrangler);

rmSync(outdir, { recursive: true, force: true });
const result = spawnSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outdir], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    // Offline and quiet: a dry run needs nothing from Cloudflare.
    CLOUDFLARE_CF_FETCH_ENABLED: 'false',
    WRANGLER_SEND_METRICS: 'false',
  },
});
if (result.error) throw result.error;
if (result.status !== 0) {
  console.error(`wrangler deploy --dry-run failed (exit ${result.status ?? result.signal})`);
  process.exit(result.status ?? 1);
}
const bundlePath = join(outdir, 'worker.js');
console.log(`worker bundle written to ${bundlePath}`);

/** Gzipped size limit of the uploaded Worker. */
const LIMIT = 1024 * 1024;
const code = readFileSync(bundlePath);
// zlib's default level, which is what wrangler's "Total Upload … / gzip:" line reports.
const gzipped = gzipSync(code).length;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const verdict = gzipped > LIMIT ? 'OVER the limit' : 'ok';
console.log(
  `worker bundle size: ${kib(code.length)} raw, ${kib(gzipped)} gzipped (limit ${kib(LIMIT)} gzipped): ${verdict}`,
);
if (gzipped > LIMIT) process.exit(1);
