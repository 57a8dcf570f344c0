import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_SCRIPT_PATH } from '../../src/http/docs.js';
import { root } from '../helpers/worker-bundle.js';

// What a fresh clone holds: the tracked (and not ignored) files, so no generated templates module.
// `npx wrangler deploy` there, and in Cloudflare's git-connected builds, must bundle by itself.

const GENERATED = 'src/modules/notifications/templates.gen.ts';
let clone: string;

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), 'helpdesk-clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((f) => f && existsSync(join(root, f)));
  for (const file of files) {
    mkdirSync(dirname(join(clone, file)), { recursive: true });
    cpSync(join(root, file), join(clone, file));
  }
  // `npm ci` in a real clone; the packages themselves are not what this test is about.
  symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
});
afterAll(() => rmSync(clone, { recursive: true, force: true }));

describe('a fresh clone', () => {
  it('has no generated templates module', () => {
    expect(existsSync(join(clone, GENERATED))).toBe(false);
    expect(existsSync(join(clone, '.wrangler-assets'))).toBe(false);
  });

  it('bundles with `wrangler deploy --dry-run`, generating the templates and the /docs asset first', {
    timeout: 120_000,
  }, () => {
    const pkg = createRequire(import.meta.url).resolve('wrangler/package.json');
    const { bin } = JSON.parse(readFileSync(pkg, 'utf8')) as { bin: string | Record<string, string> };
    const wrangler = join(dirname(pkg), typeof bin === 'string' ? bin : bin.wrangler!);
    const outdir = join(clone, 'out');
    const result = spawnSync(process.execPath, [wrangler, 'deploy', '--dry-run', '--outdir', outdir], {
      cwd: clone,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? clone,
        CLOUDFLARE_CF_FETCH_ENABLED: 'false',
        WRANGLER_SEND_METRICS: 'false',
        CI: 'true',
      },
    });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(existsSync(join(outdir, 'worker.js'))).toBe(true);
    expect(existsSync(join(clone, GENERATED))).toBe(true);
    // The [build] command also copies the API reference's bundle into the static assets ([assets]).
    expect(existsSync(join(clone, '.wrangler-assets', DOCS_SCRIPT_PATH))).toBe(true);
    expect(result.stdout + result.stderr).toMatch(/env\.ASSETS/);
  });
});
