#!/usr/bin/env node
// Copies the API reference's browser bundle (the standalone build of @scalar/api-reference, a pinned dev
// dependency) to where each runtime serves it from /docs:
//   node scripts/docs-asset.mjs dist/assets           (npm run build:node: the Node build's dist/assets/)
//   node scripts/docs-asset.mjs .wrangler-assets/docs (wrangler.toml [build]: the Worker's static assets)
// The file is named after the version (scalar-<version>.js), which src/http/docs.ts pins too (a unit test
// keeps them equal), so the page can let browsers cache it for good.
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The installed bundle: its path and version. */
export function scalarBundle() {
  const require = createRequire(join(root, 'package.json'));
  // The package's exports map hides package.json and dist/browser; find its directory from the entry.
  const main = require.resolve('@scalar/api-reference');
  let dir = dirname(main);
  while (!dir.endsWith(join('@scalar', 'api-reference'))) dir = dirname(dir);
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return { path: join(dir, 'dist', 'browser', 'standalone.js'), version, name: `scalar-${version}.js` };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const target = resolve(root, process.argv[2] ?? 'dist/assets');
  const bundle = scalarBundle();
  mkdirSync(target, { recursive: true });
  copyFileSync(bundle.path, join(target, bundle.name));
}
