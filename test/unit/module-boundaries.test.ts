import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Module boundaries (docs/ARCHITECTURE.md): a module folder under src/modules/ is used by its siblings only
// through its index.ts, no two modules depend on each other (directly or round a longer cycle), and
// src/http/ — the layer every module builds on — imports no module.

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative import specifiers of a file (static imports and re-exports), resolved to paths under src/. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'(\.{1,2}\/[^']+)'/gm)) {
    out.push(resolve(dirname(file), m[1]!).replace(/\.js$/, '.ts'));
  }
  return out;
}

/** `tickets` for src/modules/tickets/…, else null. */
function moduleOf(path: string): string | null {
  const rel = relative(join(SRC, 'modules'), path);
  return rel.startsWith('..') ? null : rel.split('/')[0]!;
}

interface Edge {
  from: string;
  to: string;
  file: string;
  target: string;
}

function moduleEdges(): Edge[] {
  const edges: Edge[] = [];
  for (const file of files(SRC)) {
    const from = moduleOf(file);
    for (const target of importsOf(file)) {
      const to = moduleOf(target);
      if (to && to !== from) edges.push({ from: from ?? relative(SRC, file), to, file, target });
    }
  }
  return edges;
}

function cycles(edges: Edge[]): string[][] {
  const graph = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!graph.has(e.from)) graph.set(e.from, new Set());
    graph.get(e.from)!.add(e.to);
  }
  const found: string[][] = [];
  const walk = (node: string, path: string[]) => {
    for (const next of graph.get(node) ?? []) {
      if (next === path[0]) found.push([...path, next]);
      else if (!path.includes(next) && next > path[0]!) walk(next, [...path, next]);
    }
  };
  for (const start of graph.keys()) walk(start, [start]);
  return found;
}

describe('module boundaries', () => {
  const edges = moduleEdges();

  it('modules use each other only through index.ts', () => {
    // The app and the entries mount routers and start loops; modules are what must keep to front doors.
    const bad = edges
      .filter((e) => moduleOf(e.file) !== null && !e.target.endsWith(`/modules/${e.to}/index.ts`))
      .map((e) => `${relative(ROOT, e.file)} → ${relative(ROOT, e.target)}`);
    expect(bad).toEqual([]);
  });

  it('no two modules depend on each other, directly or in a longer cycle', () => {
    expect(cycles(edges.filter((e) => moduleOf(e.file) !== null))).toEqual([]);
  });

  it('src/http imports no module', () => {
    const bad = edges.filter((e) => relative(SRC, e.file).startsWith('http/'));
    expect(bad.map((e) => `${relative(ROOT, e.file)} → ${relative(ROOT, e.target)}`)).toEqual([]);
  });

  it('the checks can fail: a cycle and a deep import in sample edges are caught', () => {
    const sample: Edge[] = [
      { from: 'a', to: 'b', file: '', target: '/x/modules/b/repo.ts' },
      { from: 'b', to: 'c', file: '', target: '/x/modules/c/index.ts' },
      { from: 'c', to: 'a', file: '', target: '/x/modules/a/index.ts' },
    ];
    expect(cycles(sample)).toEqual([['a', 'b', 'c', 'a']]);
    expect(
      importsOf('/r/src/modules/a/x.ts', "import { y } from '../b/repo.js';\nexport * from './z.js';"),
    ).toEqual(['/r/src/modules/b/repo.ts', '/r/src/modules/a/z.ts']);
  });
});
