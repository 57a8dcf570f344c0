import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const SECRET_KEY =
  /pass(word)?|secret|token|authorization|cookie|api[-_]?key|smtp_?url|database_?url|credential/i;
/**
 * The `user:password@` right after a `://`, matched only where a `://` was found (sticky, so it is tried at
 * one position). Neither class holds `/`, so a match never runs past the next `://`: the scans for all
 * occurrences together read the string about once. The unanchored regex this replaces retried its scheme
 * part at every letter of a long run and took seconds on a 64 KiB message body.
 */
const USERINFO = /([^/\s:@]+):([^/\s@]+)@/y;
/** drizzle ends a failed query's message with its bound parameters; they may span lines (a message body). */
const PARAMS_MARKER = '\nparams: ';
const PARAMS_REDACTED = `${PARAMS_MARKER}[REDACTED]`;

const isLetter = (c: number) => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a);
/** `[a-z0-9+.-]`, case-insensitively: what a URL scheme is made of. */
const isSchemeChar = (c: number) =>
  isLetter(c) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2e || c === 0x2d;

/**
 * Whether the run of scheme characters ending just before `end` holds a letter (a scheme starts with one).
 * The run cannot reach back past the previous `://` (`:` and `/` end it), so these walks stay linear too.
 */
function hasScheme(s: string, end: number): boolean {
  let letter = false;
  for (let i = end - 1; i >= 0 && isSchemeChar(s.charCodeAt(i)); i--) letter ||= isLetter(s.charCodeAt(i));
  return letter;
}

/**
 * Masks the password of any `scheme://user:pass@host` inside a string, and the bound parameters drizzle
 * appends to a failed query's message (they can hold password hashes, token hashes, emails, message
 * bodies): everything from `\nparams: ` to the end, since a parameter may itself contain newlines.
 * Linear in the length of `s` whatever it holds.
 */
export function scrubUrlCredentials(s: string): string {
  const params = s.indexOf(PARAMS_MARKER);
  const text = params === -1 ? s : s.slice(0, params);
  let out = '';
  let copied = 0;
  for (let at = text.indexOf('://'); at !== -1; at = text.indexOf('://', at + 3)) {
    if (at < copied || !hasScheme(text, at)) continue;
    USERINFO.lastIndex = at + 3;
    const m = USERINFO.exec(text);
    if (!m) continue;
    out += `${text.slice(copied, at + 3)}${m[1]}:***@`;
    copied = USERINFO.lastIndex;
  }
  out += text.slice(copied);
  return params === -1 ? out : out + PARAMS_REDACTED;
}

/**
 * The stack with its message header scrubbed on its own, so the frames after a failed query's parameters
 * survive (scrubbing the whole stack would cut everything from `params:` on, frames included).
 */
function stackOf(e: Error): string | undefined {
  const header = `${e.name}: ${e.message}`;
  if (e.stack === undefined) return undefined;
  if (!e.stack.startsWith(header)) return scrubUrlCredentials(e.stack);
  return scrubUrlCredentials(header) + scrubUrlCredentials(e.stack.slice(header.length));
}

/**
 * Returns a copy of a log object with secrets removed: values under secret-looking keys are replaced,
 * and credentials embedded in URLs are masked wherever they appear. Errors are flattened first so
 * their messages are scrubbed too.
 */
export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[depth]';
  if (typeof value === 'string') return scrubUrlCredentials(value);
  if (value instanceof Error) {
    const e = value as Error & { code?: unknown; cause?: unknown };
    // Built here rather than by recursing: the stack is scrubbed in parts (stackOf), and scrubbing it again
    // whole would cut its frames at the `params:` marker.
    return {
      type: e.name,
      message: scrubUrlCredentials(e.message),
      code: redact(e.code, depth + 1),
      stack: stackOf(e),
      cause: redact(e.cause, depth + 1),
    };
  }
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEY.test(k) && v !== undefined && v !== null ? '[REDACTED]' : redact(v, depth + 1);
    }
    return out;
  }
  return value;
}

export interface LoggerSettings {
  level: string;
  /** Pretty, colourised lines for a developer's terminal; JSON lines otherwise. */
  pretty?: boolean;
}

function baseOptions(level: string): LoggerOptions {
  return {
    level,
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    // `redact` already flattens errors (with their cause chain); pino's own serializer would undo that.
    serializers: { err: (e: unknown) => e },
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => redact(obj) as Record<string, unknown>,
    },
  };
}

/** The Node logger: JSON lines on stdout (or `destination`), or pino-pretty in development. */
export function createLogger(settings: LoggerSettings, destination?: DestinationStream): Logger {
  const opts = baseOptions(settings.level);
  if (destination) return pino(opts, destination);
  if (settings.pretty) {
    return pino({
      ...opts,
      transport: { target: 'pino-pretty', options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l' } },
    });
  }
  return pino(opts);
}

/**
 * The Workers logger: pino's browser build (what bundlers pick for workerd) writing one redacted JSON line
 * per entry to console, which Workers Logs collects.
 */
export function createConsoleLogger(level: string): Logger {
  return pino({
    level,
    timestamp: pino.stdTimeFunctions.isoTime,
    browser: {
      asObject: true,
      // Same shape as the Node logger's lines: `"level":"info"`.
      formatters: { level: (label) => ({ level: label }) },
      write: (o) => console.log(JSON.stringify(redact(o))),
    },
  });
}
