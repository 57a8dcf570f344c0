// Values from an OpenAPI 3.1 document's JSON schemas: valid ones (to get past validation and reach the
// services) and hostile ones (to probe the validation itself). Pure functions over a seeded PRNG, so a
// failing run can be replayed with its seed.

import { mulberry32 } from '../../scripts/lib/rng.js';

export type JsonSchema = {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  format?: string;
  example?: unknown;
  default?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  const?: unknown;
};

/** A seeded PRNG (`mulberry32`) with the picks the fuzzer needs. */
export function prng(seed: number) {
  const next = mulberry32(seed);
  return {
    next,
    int: (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p: number) => next() < p,
    pick<T>(xs: readonly T[]): T {
      return xs[Math.floor(next() * xs.length)]!;
    },
  };
}
export type Rng = ReturnType<typeof prng>;

/** Strings that have broken web apps: control and format characters, lone surrogates, huge and odd input. */
export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  'a\ud800',
  '\udc00b',
  'line\r\nInjected: header',
  'nul\u0000byte',
  'bell\u0007',
  'rtl\u202Eevil',
  'zero\u200Bwidth',
  '\uFEFFbom',
  'café',
  'cafe\u0301',
  'ｘ１',
  '😀'.repeat(300),
  'x'.repeat(70_000),
  'a'.repeat(16_000),
  '../../etc/passwd',
  "'; DROP TABLE tickets; --",
  '%00',
  '%',
  '<script>alert(1)</script>',
  '{{subject}}',
  '${process.env}',
  `http://user:pass@${'a'.repeat(5_000)}`,
  '-1',
  '0',
  '007',
  '1e400',
  '18446744073709551616',
  'NaN',
  'null',
  'true',
  '[]',
  '__proto__',
];

const HOSTILE_VALUES: readonly unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53 + 1,
  -(2 ** 63),
  [],
  {},
  [null],
  { $gt: '' },
  { __proto__: { admin: true } },
  nest(60),
];

function nest(depth: number): unknown {
  let v: unknown = 'deep';
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

/** A hostile value: a hostile string or a value of the wrong type. */
export function hostile(rng: Rng): unknown {
  return rng.chance(0.6) ? rng.pick(HOSTILE_STRINGS) : rng.pick(HOSTILE_VALUES);
}

export class SchemaValues {
  constructor(
    private readonly components: Record<string, JsonSchema>,
    private readonly rng: Rng,
    /** Candidate strings tried against a `pattern` (ids from the fixture, words, keywords). */
    private readonly candidates: () => string[],
  ) {}

  resolve(s: JsonSchema): JsonSchema {
    let cur = s;
    for (let i = 0; i < 10 && cur.$ref; i++) {
      const name = cur.$ref.split('/').pop()!;
      cur = { ...this.components[name], ...cur, $ref: undefined };
      if (!this.components[name]) break;
    }
    return cur;
  }

  /** A value the schema accepts (as far as the generator can tell; patterns are matched by trial). */
  valid(schema: JsonSchema, depth = 0): unknown {
    const s = this.resolve(schema);
    if (s.const !== undefined) return s.const;
    if (s.enum) return this.rng.pick(s.enum);
    const alts = s.anyOf ?? s.oneOf;
    if (alts) return this.valid(this.rng.pick(alts), depth + 1);
    if (s.allOf) return Object.assign({}, ...s.allOf.map((x) => this.valid(x, depth + 1)));
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : ['string'];
    const nonNull = types.filter((t) => t !== 'null');
    if (nonNull.length === 0 || (types.includes('null') && this.rng.chance(0.15))) return null;
    const type = this.rng.pick(nonNull);
    switch (type) {
      case 'object': {
        const out: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(s.properties ?? {})) {
          if (s.required?.includes(k) || this.rng.chance(0.5)) out[k] = this.valid(v, depth + 1);
        }
        return out;
      }
      case 'array': {
        if (!s.items) return [];
        const n = this.rng.int(s.minItems ?? 0, Math.min(s.maxItems ?? 3, 3));
        return Array.from({ length: n }, () => this.valid(s.items!, depth + 1));
      }
      case 'integer':
      case 'number':
        return this.rng.int(s.minimum ?? 1, Math.min(s.maximum ?? 50, (s.minimum ?? 1) + 50));
      case 'boolean':
        return this.rng.chance(0.5);
      default:
        return this.string(s);
    }
  }

  private string(s: JsonSchema): string {
    if (s.format === 'email') return `fz-${this.rng.int(0, 1e9)}@example.test`;
    const min = s.minLength ?? 0;
    const max = s.maxLength ?? 40;
    if (s.pattern) {
      const re = patternRegExp(s.pattern);
      const pool = [
        ...(typeof s.example === 'string' ? [s.example] : []),
        ...this.candidates(),
        'me',
        'none',
        'billing',
        'urgent-2',
        'a',
        String(this.rng.int(1, 50)),
      ];
      const ok = pool.filter((c) => re?.test(c) && c.length >= min && c.length <= max);
      if (ok.length > 0) return this.rng.pick(ok);
    }
    if (typeof s.example === 'string' && this.rng.chance(0.5)) return s.example;
    const len = this.rng.int(Math.max(min, 1), Math.min(max, Math.max(min, 1) + 30));
    const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789 éü€';
    let out = '';
    while (out.length < len) out += alphabet[this.rng.int(0, alphabet.length - 1)];
    return out.trim().length >= min ? out : 'x'.repeat(Math.max(min, 1));
  }

  /**
   * A mutation of a valid value that the schema (probably) rejects: a required field dropped, a field set
   * to a hostile value, an unknown field, or the whole body replaced.
   */
  invalid(schema: JsonSchema): unknown {
    const s = this.resolve(schema);
    const base = this.valid(s);
    if (!base || typeof base !== 'object' || Array.isArray(base) || this.rng.chance(0.15))
      return hostile(this.rng);
    const obj = { ...(base as Record<string, unknown>) };
    const keys = Object.keys(s.properties ?? {});
    switch (this.rng.int(0, 3)) {
      case 0:
        if (s.required?.length) delete obj[this.rng.pick(s.required)];
        else obj.unexpectedField = hostile(this.rng);
        break;
      case 1:
      case 2:
        if (keys.length) obj[this.rng.pick(keys)] = hostile(this.rng);
        break;
      default:
        obj[this.rng.pick(['__proto__', 'constructor', 'role', 'id', 'version'])] = hostile(this.rng);
    }
    return obj;
  }
}

/** The document's patterns are ECMAScript regexes; a `/u` suffix marks the unicode flag. */
export function patternRegExp(pattern: string): RegExp | null {
  try {
    return pattern.endsWith('/u') ? new RegExp(pattern.slice(0, -2), 'u') : new RegExp(pattern, 'u');
  } catch {
    return null;
  }
}
