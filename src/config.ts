import { z } from 'zod';

/** Parses durations such as `900`, `90s`, `15m`, `12h`, `30d` into seconds. */
export function parseDuration(value: string): number | null {
  const m = /^(\d+)\s*(s|m|h|d)?$/.exec(value.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const factor = { s: 1, m: 60, h: 3600, d: 86400 }[unit] ?? 1;
  const seconds = n * factor;
  return seconds > 0 ? seconds : null;
}

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const s = parseDuration(v);
      if (s === null) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a duration like 90s, 15m, 12h or 30d (got "${v}")`,
        });
        return z.NEVER;
      }
      return s;
    });

const urlWithScheme = (schemes: string[], example: string) =>
  z.string({ error: `is required (e.g. ${example})` }).refine(
    (v) => {
      try {
        return schemes.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL starting with ${schemes.map((s) => `${s}//`).join(' or ')} (e.g. ${example})` },
  );

const intInRange = (fallback: number, min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(fallback);

/** bcrypt cost when BCRYPT_COST is unset: about 250 ms per hash with bcryptjs on one core (see README). */
export const DEFAULT_BCRYPT_COST = 12;

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: urlWithScheme(['mysql:', 'mariadb:'], 'mysql://user:pass@127.0.0.1:3306/helpdesk'),
  SMTP_URL: urlWithScheme(['smtp:', 'smtps:'], 'smtp://user:pass@127.0.0.1:1025'),
  MAIL_FROM: z
    .string()
    .min(3, 'must be an address like "Helpdesk <help@example.com>"')
    .default('Helpdesk <helpdesk@localhost>'),
  APP_URL: urlWithScheme(['http:', 'https:'], 'https://helpdesk.example.com').optional(),
  WEB_URL: urlWithScheme(['http:', 'https:'], 'https://support.example.com').optional(),
  JWT_SECRET: z
    .string()
    .refine((v) => new TextEncoder().encode(v).length >= 32, 'must be at least 32 bytes long')
    .optional(),
  PORT: intInRange(8787, 1, 65535),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ACCESS_TOKEN_TTL: duration('15m'),
  REFRESH_TOKEN_TTL: duration('30d'),
  AUTO_CLOSE_DAYS: intInRange(4, 1, 365),
  OUTBOX_MAX_ATTEMPTS: intInRange(8, 1, 50),
  OUTBOX_RETRY_BASE_SECONDS: intInRange(30, 1, 86400),
  OUTBOX_POLL_MS: intInRange(2000, 50, 600000),
  HOUSEKEEPING_INTERVAL_SECONDS: intInRange(60, 1, 86400),
  DATABASE_POOL_SIZE: intInRange(10, 1, 500),
  AUTH_RATE_LIMIT_PER_IP: intInRange(30, 1, 1_000_000),
  AUTH_RATE_LIMIT_PER_EMAIL: intInRange(10, 1, 1_000_000),
  BCRYPT_COST: intInRange(DEFAULT_BCRYPT_COST, 4, 15),
  ADMIN_EMAIL: z.email('must be an email address').optional(),
  ADMIN_PASSWORD: z.string().min(10, 'must be at least 10 characters').optional(),
});

/** Validated, typed configuration. Built only by `parseConfig`. */
export interface Config {
  env: 'development' | 'production' | 'test';
  databaseUrl: string;
  smtpUrl: string;
  mailFrom: string;
  appUrl: string;
  /**
   * The front end people use, if there is one (no trailing slash): links in emails go to its pages
   * (`/tickets/<id>`, `/verify-email?token=`, `/reset-password?token=`). Null: the API serves the two
   * token pages itself and ticket emails carry no link (there is nothing but JSON to link to).
   */
  webUrl: string | null;
  jwtSecret: string;
  port: number;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  autoCloseDays: number;
  /** How often the Node process runs housekeeping (auto-close); Workers use their cron trigger instead. */
  housekeepingIntervalSeconds: number;
  /** Connections in the Node process's mysql2 pool (Workers open one per request instead). */
  databasePoolSize: number;
  outbox: { maxAttempts: number; retryBaseSeconds: number; pollMs: number };
  /** Attempts per 15-minute window on each public auth route, per client address and per email. */
  authRateLimit: { perIp: number; perEmail: number };
  /** bcrypt cost (log2 rounds) for every password hash: register, admin create, password change and reset. */
  bcryptCost: number;
  admin: { email: string; password: string } | null;
}

export type ConfigResult =
  | { ok: true; config: Config; warnings: string[] }
  | { ok: false; errors: string[]; message: string };

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(48));
  return btoa(String.fromCharCode(...bytes));
}

/**
 * Validates a flat string record (process.env, a Workers env, a test's literal) into a Config.
 * Never reads the environment itself and never throws: the caller decides how to report errors.
 */
export function parseConfig(record: Record<string, string | undefined>): ConfigResult {
  // Empty strings count as unset, as they do in most deploy dashboards.
  const input = Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = EnvSchema.safeParse(input);
  const errors: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const key = String(issue.path[0] ?? '(root)');
      const message =
        issue.code === 'invalid_type' && input[key] === undefined ? 'is required' : issue.message;
      errors.push(`${key} ${message}`);
    }
  }
  const env = parsed.success ? parsed.data : null;
  const warnings: string[] = [];
  let jwtSecret = env?.JWT_SECRET;
  if (env && !jwtSecret) {
    if (env.NODE_ENV === 'production') {
      errors.push('JWT_SECRET is required in production (at least 32 bytes)');
    } else {
      jwtSecret = randomSecret();
      warnings.push('JWT_SECRET is not set: using a random one, so tokens stop working on restart');
    }
  }
  if (env && (env.ADMIN_EMAIL === undefined) !== (env.ADMIN_PASSWORD === undefined)) {
    errors.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (!env || errors.length > 0 || !jwtSecret) {
    const unique = [...new Set(errors)];
    return {
      ok: false,
      errors: unique,
      message: `Invalid configuration:\n${unique.map((e) => `  - ${e}`).join('\n')}`,
    };
  }
  return {
    ok: true,
    warnings,
    config: {
      env: env.NODE_ENV,
      databaseUrl: env.DATABASE_URL,
      smtpUrl: env.SMTP_URL,
      mailFrom: env.MAIL_FROM,
      appUrl: (env.APP_URL ?? `http://localhost:${env.PORT}`).replace(/\/+$/, ''),
      webUrl: env.WEB_URL ? env.WEB_URL.replace(/\/+$/, '') : null,
      jwtSecret,
      port: env.PORT,
      logLevel: env.LOG_LEVEL,
      accessTokenTtlSeconds: env.ACCESS_TOKEN_TTL,
      refreshTokenTtlSeconds: env.REFRESH_TOKEN_TTL,
      autoCloseDays: env.AUTO_CLOSE_DAYS,
      housekeepingIntervalSeconds: env.HOUSEKEEPING_INTERVAL_SECONDS,
      databasePoolSize: env.DATABASE_POOL_SIZE,
      outbox: {
        maxAttempts: env.OUTBOX_MAX_ATTEMPTS,
        retryBaseSeconds: env.OUTBOX_RETRY_BASE_SECONDS,
        pollMs: env.OUTBOX_POLL_MS,
      },
      authRateLimit: { perIp: env.AUTH_RATE_LIMIT_PER_IP, perEmail: env.AUTH_RATE_LIMIT_PER_EMAIL },
      bcryptCost: env.BCRYPT_COST,
      admin:
        env.ADMIN_EMAIL && env.ADMIN_PASSWORD
          ? { email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD }
          : null,
    },
  };
}

/**
 * BCRYPT_COST alone, for the command-line scripts (admin:create, db:seed, npm run dev) that hash passwords
 * without the rest of the server's configuration. Same rules and default as `parseConfig`.
 */
export function parseBcryptCost(
  record: Record<string, string | undefined>,
): { ok: true; cost: number } | { ok: false; message: string } {
  const value = record.BCRYPT_COST === '' ? undefined : record.BCRYPT_COST;
  const parsed = EnvSchema.shape.BCRYPT_COST.safeParse(value);
  if (parsed.success) return { ok: true, cost: parsed.data };
  return { ok: false, message: `BCRYPT_COST ${parsed.error.issues[0]?.message ?? 'is not valid'}` };
}
