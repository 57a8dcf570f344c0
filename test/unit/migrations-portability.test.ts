import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Constructs that one of MySQL 8.0+ / MariaDB 10.11+ rejects (or treats differently). Every committed
 * migration must be free of them, since the schema has to run unchanged on both.
 */
const RULES: { name: string; pattern: RegExp; why: string }[] = [
  { name: 'serial', pattern: /\bserial\b/i, why: 'use bigint unsigned AUTO_INCREMENT (architecture.md)' },
  { name: 'json operators', pattern: /->>?/, why: 'MariaDB has no -> / ->> operators' },
  { name: 'lateral join', pattern: /\bLATERAL\b/i, why: 'MariaDB has no LATERAL joins' },
  {
    name: 'functional index',
    pattern: /CREATE\s+(UNIQUE\s+)?INDEX[^;]*\(\s*\(/i,
    why: 'MariaDB has no functional key parts',
  },
  {
    name: 'literal default on TEXT/BLOB/JSON',
    pattern: /\b(tiny|medium|long)?(text|blob)\b[^,\n]*\bDEFAULT\s+'|\bjson\b[^,\n]*\bDEFAULT\b/i,
    why: 'MySQL rejects literal defaults on TEXT/BLOB/JSON',
  },
  {
    name: 'timestamp precision mismatch',
    pattern: /\b(datetime|timestamp)\(\d\)[^,\n]*(DEFAULT|ON UPDATE)\s+(CURRENT_TIMESTAMP|now)(?!\s*\(\d\))/i,
    why: 'MySQL needs CURRENT_TIMESTAMP(n) to match the column precision',
  },
  { name: 'RETURNING', pattern: /\bRETURNING\b/i, why: 'MySQL has no RETURNING' },
  {
    name: 'MariaDB-only types',
    pattern: /\b(uuid|inet4|inet6|vector)\b\s*(,|\n|NOT|NULL|DEFAULT)/i,
    why: 'MySQL lacks these types',
  },
  {
    name: 'IF [NOT] EXISTS on indexes/columns',
    pattern: /(INDEX|COLUMN)\s+IF\s+(NOT\s+)?EXISTS/i,
    why: 'MySQL rejects it',
  },
  { name: 'sequences', pattern: /\bSEQUENCE\b/i, why: 'MySQL has no sequences' },
  {
    name: 'DROP CONSTRAINT',
    pattern: /DROP\s+CONSTRAINT/i,
    why: 'use DROP FOREIGN KEY / DROP INDEX / DROP CHECK',
  },
];

function portabilityProblems(sql: string): string[] {
  const statements = sql.split('--> statement-breakpoint');
  const found: string[] = [];
  for (const stmt of statements) {
    for (const rule of RULES) {
      if (rule.pattern.test(stmt))
        found.push(`${rule.name}: ${rule.why}\n  in: ${stmt.trim().slice(0, 160)}`);
    }
  }
  return found;
}

const dir = join(import.meta.dirname, '../../db/migrations');
const files = readdirSync(dir).filter((f) => f.endsWith('.sql'));

describe('migrations run unchanged on MySQL 8.0+ and MariaDB 10.11+', () => {
  it('there is at least one migration', () => expect(files.length).toBeGreaterThan(0));

  it.each(files)('%s uses no engine-specific construct', (file) => {
    expect(portabilityProblems(readFileSync(join(dir, file), 'utf8'))).toEqual([]);
  });

  it.each([
    ['`id` serial AUTO_INCREMENT NOT NULL', 'serial'],
    ["SELECT data->>'$.a' FROM t", 'json operators'],
    ['CREATE INDEX i ON t ((lower(email)))', 'functional index'],
    ["`body` text NOT NULL DEFAULT 'x'", 'literal default'],
    ["`data` json DEFAULT ('{}')", 'literal default'],
    ['`at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP', 'timestamp precision'],
    ['`at` datetime(3) ON UPDATE now()', 'timestamp precision'],
    ['`id` uuid NOT NULL', 'MariaDB-only'],
    ['ALTER TABLE t ADD COLUMN IF NOT EXISTS x int', 'IF [NOT] EXISTS'],
    ['ALTER TABLE t DROP CONSTRAINT fk_x', 'DROP CONSTRAINT'],
  ])('the checker catches %s', (sql, rule) => {
    expect(portabilityProblems(sql).join()).toContain(rule);
  });

  it('the checker accepts what drizzle generates for our column helpers', () => {
    expect(
      portabilityProblems(
        '`created_at` datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),\n`payload` json NOT NULL,\n`body` mediumtext NOT NULL',
      ),
    ).toEqual([]);
  });
});
