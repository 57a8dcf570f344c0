import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

// The repository carries its own documentation: a clone (or a GitHub page) must never point at files
// that only exist next to the author's checkout, such as ../shared/… design notes.

const root = resolve(import.meta.dirname, '..', '..');

/** Tracked text files a reader follows links in: Markdown, plus the comments of the deploy files. */
function trackedDocs(): string[] {
  const out = execFileSync(
    'git',
    ['ls-files', '-z', '--', '*.md', '*.yaml', '*.yml', '*.toml', 'Dockerfile'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return out.split('\0').filter(Boolean);
}

/** Markdown link and image targets: `[text](target)`, `![alt](target "title")`, `[ref]: target`. */
function linkTargets(markdown: string): string[] {
  const targets: string[] = [];
  for (const m of markdown.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) targets.push(m[1]!);
  for (const m of markdown.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)) targets.push(m[1]!);
  return targets;
}

/** Why `target`, linked from `file`, leaves the repository or goes nowhere; null when it is fine. */
function problemWith(file: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) return null; // URL or in-page anchor
  const path = decodeURIComponent(target.split('#')[0]!.split('?')[0]!);
  const absolute = path.startsWith('/') ? join(root, path) : resolve(root, dirname(file), path);
  const rel = relative(root, absolute);
  if (rel === '..' || rel.startsWith(`..${sep}`)) return `${target} points outside the repository`;
  if (!existsSync(absolute)) return `${target} does not exist`;
  return null;
}

describe('documentation links', () => {
  it('finds the links it is meant to check', () => {
    expect(linkTargets('see [a](../shared/a.md), [b](<docs/b.md> "t") and\n[c]: ./c.md')).toEqual([
      '../shared/a.md',
      'docs/b.md',
      './c.md',
    ]);
    expect(problemWith('README.md', '../shared/api-contract.md')).toMatch(/outside the repository/);
    expect(problemWith('docs/PERFORMANCE.md', '../README.md')).toBeNull();
    expect(problemWith('README.md', 'https://hono.dev')).toBeNull();
  });

  it('every tracked document links only to files inside the repository that exist', () => {
    const docs = trackedDocs();
    expect(docs).toContain('README.md');
    const problems: string[] = [];
    for (const file of docs) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const target of linkTargets(text)) {
        const problem = problemWith(file, target);
        if (problem) problems.push(`${file}: ${problem}`);
      }
      // A bare mention is as much a dead end for a reader as a link.
      for (const m of text.matchAll(/\.\.\/shared\/\S*/g)) problems.push(`${file}: mentions ${m[0]}`);
    }
    expect(problems).toEqual([]);
  });
});
