import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

const SECRET_KEY =
  /pass(word)?|secret|token|authorization|cookie|api[-_]?key|smtp_?url|database_?url|credential/i;
const URL_CREDENTIALS = /([a-z][a-z0-9+.-]*:\/\/)([^/\s:@]+):([^/\s@]+)@/gi;

/**
 * Masks the password of any `scheme://user:pass@host` inside a string, and the bound parameters drizzle
 * appends to a failed query's message (they can hold password hashes, token hashes, emails).
 */
export function scrubUrlCredentials(s: string): string {
  return s.replace(URL_CREDENTIALS, '$1$2:***@').replace(/\nparams: .*/g, '\nparams: [REDACTED]');
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
    return redact(
      { type: e.name, message: e.message, code: e.code, stack: e.stack, cause: e.cause },
      depth + 1,
    );
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
