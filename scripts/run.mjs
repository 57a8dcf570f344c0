#!/usr/bin/env node
// Runs one of the operator scripts (npm run db:migrate, admin:create, db:seed) the way the install allows:
//   - from source with tsx when tsx is installed (a clone with dev dependencies: always the current code);
//   - otherwise from the compiled JavaScript in dist/ (a production install: `npm run build:node`, then
//     `npm prune --omit=dev` or `npm ci --omit=dev`), with node alone.
// Plain JavaScript on purpose: it must run where neither tsx nor tsc is installed.
//
//   node scripts/run.mjs <migrate|admin-create|seed> [args…]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Each script's source, relative to the root; its build is the same path under dist/ with .js. */
const SCRIPTS = {
  migrate: 'scripts/migrate.ts',
  'admin-create': 'scripts/admin-create.ts',
  seed: 'db/seed.ts',
};

/**
 * How to run `name`: `{ kind: 'source' }` with tsx, `{ kind: 'dist' }` with node, or an error message.
 * Exported for its unit test; `tsxCli` is the resolved tsx entry or null when tsx is not installed.
 */
export function plan(name, tsxCli, distExists) {
  const source = SCRIPTS[name];
  if (!source) return { error: `unknown script "${name}" (one of: ${Object.keys(SCRIPTS).join(', ')})` };
  const compiled = join('dist', source.replace(/\.ts$/, '.js'));
  if (tsxCli) return { kind: 'source', args: [tsxCli, source] };
  if (distExists(compiled)) return { kind: 'dist', args: [compiled] };
  return {
    error:
      `${compiled} is missing and tsx is not installed. Build first (npm run build:node, which needs the ` +
      'dev dependencies), then remove them if you like (npm prune --omit=dev).',
  };
}

function tsxCli() {
  try {
    return createRequire(import.meta.url).resolve('tsx/cli');
  } catch {
    return null;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [name = '', ...rest] = process.argv.slice(2);
  const chosen = plan(name, tsxCli(), (p) => existsSync(join(root, p)));
  if ('error' in chosen) {
    console.error(chosen.error);
    process.exit(2);
  }
  const child = spawn(process.execPath, [...chosen.args, ...rest], { cwd: root, stdio: 'inherit' });
  // Ctrl-C reaches the child through the terminal's process group; a SIGTERM from a supervisor does not.
  for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
