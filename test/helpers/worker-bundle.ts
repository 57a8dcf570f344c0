import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { join, relative } from 'node:path';

// The Worker bundle for the tests that load it into Miniflare (worker.test.ts, test/parity/, the Workers
// constraints test). Built once with scripts/build-worker.mjs (the same `wrangler deploy --dry-run` as
// `npm run build`) into node_modules/.cache, keyed by a hash of everything that goes into it, so the
// test files of one run (separate processes) share one build and an unchanged tree is not rebuilt.

export const root = join(import.meta.dirname, '..', '..');
const cacheRoot = join(root, 'node_modules', '.cache', 'helpdesk-worker-bundle');

/** What the bundle is made of; the generated templates module is covered by templates/ itself. */
const INPUTS = [
  'src',
  'db/schema',
  'templates',
  'scripts/build-worker.mjs',
  'scripts/gen-templates.mjs',
  'scripts/docs-asset.mjs',
  'wrangler.toml',
  'package-lock.json',
];
const GENERATED = join('src', 'modules', 'notifications', 'templates.gen.ts');

function* files(path: string): Generator<string> {
  if (!existsSync(path)) return;
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) yield* files(join(path, name));
  } else {
    yield path;
  }
}

function inputsHash(): string {
  const hash = createHash('sha256');
  for (const input of INPUTS) {
    for (const file of files(join(root, input))) {
      const rel = relative(root, file);
      if (rel === GENERATED) continue;
      hash.update(rel).update('\0').update(readFileSync(file)).update('\0');
    }
  }
  return hash.digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The directory holding `worker.js` (and `assets/`, the Worker's static assets) for the current source
 * tree, building it if needed.
 */
/**
 * wrangler.toml's [assets] directory must exist wherever wrangler reads the config, also when the bundle
 * comes from the cache (built by another checkout) and this tree's [build] command never ran.
 */
export function ensureWorkerAssets(): void {
  if (existsSync(join(root, '.wrangler-assets'))) return;
  spawnSync(process.execPath, ['scripts/docs-asset.mjs', '.wrangler-assets/docs'], { cwd: root });
}

export async function workerBundle(): Promise<string> {
  const dir = join(cacheRoot, inputsHash());
  const bundle = join(dir, 'worker.js');
  ensureWorkerAssets();
  const lock = `${dir}.lock`;
  mkdirSync(cacheRoot, { recursive: true });
  for (const deadline = Date.now() + 120_000; !existsSync(bundle); ) {
    try {
      mkdirSync(lock); // atomic: one process builds, the others wait for it
    } catch {
      // A lock older than two minutes belongs to a build that died; take it over.
      const since = statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
      if (Date.now() - since > 120_000) rmSync(lock, { force: true, recursive: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the worker build (${lock})`);
      await sleep(200);
      continue;
    }
    try {
      if (existsSync(bundle)) break;
      const tmp = `${dir}.tmp-${process.pid}`;
      const build = spawnSync(process.execPath, ['scripts/build-worker.mjs', '--outdir', tmp], {
        cwd: root,
        encoding: 'utf8',
      });
      if (build.status !== 0) {
        rmSync(tmp, { recursive: true, force: true });
        throw new Error(`worker build failed:\n${build.stdout}\n${build.stderr}`);
      }
      // The static assets the [build] command copied (wrangler.toml [assets]): the /docs bundle.
      cpSync(join(root, '.wrangler-assets'), join(tmp, 'assets'), { recursive: true });
      renameSync(tmp, dir);
      prune(dir);
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return dir;
}

/** Drops bundles of older trees (an hour old or more; a concurrent run may still be starting one). */
function prune(keep: string): void {
  for (const name of readdirSync(cacheRoot)) {
    const path = join(cacheRoot, name);
    if (path === keep || name.endsWith('.lock')) continue;
    if (Date.now() - statSync(path).mtimeMs > 3_600_000) rmSync(path, { recursive: true, force: true });
  }
}
