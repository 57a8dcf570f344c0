import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCALAR_VERSION } from '../../src/http/docs.js';

const root = join(import.meta.dirname, '..', '..');

describe('the API reference bundle (/docs)', () => {
  it('is pinned exactly, and the page asks for the version that is installed', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies['@scalar/api-reference']).toBe(SCALAR_VERSION);
    const installed = JSON.parse(
      readFileSync(join(root, 'node_modules', '@scalar', 'api-reference', 'package.json'), 'utf8'),
    ) as { version: string };
    expect(installed.version).toBe(SCALAR_VERSION);
  });

  it('is copied by both builds: build:node into dist/assets, the Worker build into its assets', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['build:node']).toContain('node scripts/docs-asset.mjs dist/assets');
    const toml = readFileSync(join(root, 'wrangler.toml'), 'utf8');
    expect(toml).toContain('node scripts/docs-asset.mjs .wrangler-assets/docs');
    expect(toml).toMatch(/\[assets\]\s*\ndirectory = "\.wrangler-assets"\s*\nbinding = "ASSETS"/);
  });
});
