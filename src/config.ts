import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from './http/client-ip.js';

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

/** `https://app.example.com` as a browser sends it in `Origin` (scheme, host, port; no path), else null. */
function corsOrigin(raw: string): string | null {
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) return null;
    return url.origin;
  } catch {
    return null;
  }
}

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
  CSAT_LINK_TTL: duration('30d'),
  OUTBOX_MAX_AGE: duration('24h'),
  OUTBOX_MAX_RETRY_DELAY: duration('1h'),
  OUTBOX_LEASE_SECONDS: intInRange(60, 10, 3600),
  OUTBOX_RETRY_BASE_SECONDS: intInRange(30, 1, 86400),
  OUTBOX_POLL_MS: intInRange(2000, 50, 600000),
  HOUSEKEEPING_INTERVAL_SECONDS: intInRange(60, 1, 86400),
  DATABASE_POOL_SIZE: intInRange(10, 1, 500),
  DATABASE_QUERY_TIMEOUT_MS: intInRange(5000, 100, 600_000),
  DATABASE_ACQUIRE_TIMEOUT_MS: intInRange(3000, 100, 600_000),
  DATABASE_QUEUE_LIMIT: intInRange(200, 1, 100_000),
  SMTP_CONNECT_TIMEOUT_MS: intInRange(5000, 100, 600_000),
  SMTP_SOCKET_TIMEOUT_MS: intInRange(20_000, 100, 600_000),
  AUTH_RATE_LIMIT_PER_IP: intInRange(30, 1, 1_000_000),
  AUTH_RATE_LIMIT_PER_EMAIL: intInRange(10, 1, 1_000_000),
  BCRYPT_COST: intInRange(DEFAULT_BCRYPT_COST, 4, 15),
  TRUST_PROXY: z
    .string()
    .default('none')
    .transform((v, ctx) => {
      const parsed = parseTrustProxy(v);
      if (typeof parsed === 'string') {
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      }
      return parsed;
    }),
  HOST: z
    .string()
    .regex(/^[\w.:-]{1,255}$/, 'must be an address to listen on, like 0.0.0.0, :: or 127.0.0.1')
    .default('0.0.0.0'),
  HTTP_HEADERS_TIMEOUT: duration('10s'),
  HTTP_REQUEST_TIMEOUT: duration('30s'),
  HTTP_KEEP_ALIVE_TIMEOUT: duration('5s'),
  HTTP_MAX_CONNECTIONS: intInRange(1000, 1, 1_000_000),
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      const origins: string[] = [];
      for (const raw of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const origin = corsOrigin(raw);
        if (!origin) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a comma-separated list of origins like https://app.example.com (got "${raw}")`,
          });
          return z.NEVER;
        }
        origins.push(origin);
      }
      return origins;
    }),
  RATE_LIMIT_PER_PRINCIPAL: intInRange(600, 1, 1_000_000),
  RATE_LIMIT_WINDOW: duration('1m'),
  TICKET_CREATE_LIMIT: intInRange(10, 1, 1_000_000),
  TICKET_CREATE_LIMIT_STAFF: intInRange(200, 1, 1_000_000),
  // At most 30 minutes: the auth limiter sweeps rate_limits rows older than two of its 15-minute windows.
  TICKET_CREATE_WINDOW: duration('10m').refine((s) => s <= 1800, 'must be at most 30m'),
  INBOUND_ADDRESS: z
    .string()
    .regex(
      /^[A-Za-z0-9._-]{1,40}@[A-Za-z0-9.-]{1,200}\.[A-Za-z]{2,63}$|^[A-Za-z0-9._-]{1,40}@localhost$/,
      'must be a plain address like support@example.com (no "+", no display name)',
    )
    .optional(),
  INBOUND_SMTP_PORT: intInRange(0, 0, 65535),
  INBOUND_SMTP_HOST: z
    .string()
    .regex(/^[\w.:-]{1,255}$/, 'must be an address to listen on, like 0.0.0.0 or 127.0.0.1')
    .default('0.0.0.0'),
  INBOUND_MAX_BYTES: intInRange(26 * 1024 * 1024, 1024, 100 * 1024 * 1024),
  INBOUND_NEW_CUSTOMERS: z.enum(['true', 'false']).default('true'),
  INBOUND_RATE_LIMIT: intInRange(20, 1, 1_000_000),
  INBOUND_RATE_WINDOW: duration('1h'),
  STORAGE_URL: z
    .string()
    .refine((v) => v.startsWith('file:') || v.startsWith('s3://'), {
      message: 'must start with file: or s3:// (e.g. file:///var/lib/helpdesk/attachments)',
    })
    .optional(),
  S3_ACCESS_KEY_ID: z.string().optional(),
  S3_SECRET_ACCESS_KEY: z.string().optional(),
  ATTACHMENT_MAX_BYTES: intInRange(10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
  ATTACHMENT_MAX_PER_MESSAGE: intInRange(10, 1, 100),
  ADMIN_EMAIL: z.email('must be an email address').optional(),
  WEBHOOK_ALLOW_PRIVATE_URLS: z.enum(['true', 'false'], { error: 'must be true or false' }).default('false'),
  WEBHOOK_SECRET_KEY: z
    .string()
    .refine((v) => new TextEncoder().encode(v).length >= 32, 'must be at least 32 bytes long')
    .optional(),
  WEBHOOK_TIMEOUT: duration('10s').refine((s) => s <= 60, 'must be at most 60s'),
  WEBHOOK_RETRY_BASE_SECONDS: intInRange(10, 1, 86400),
  WEBHOOK_MAX_RETRY_DELAY: duration('1h'),
  WEBHOOK_MAX_AGE: duration('24h'),
  WEBHOOK_DISABLE_AFTER: intInRange(5, 1, 1000),
  WEBHOOK_CONCURRENCY: intInRange(8, 1, 256),
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
  /** How long the satisfaction links in a "solved" email work (seconds; CSAT_LINK_TTL). */
  csatLinkTtlSeconds: number;
  /** How often the Node process runs housekeeping (auto-close); Workers use their cron trigger instead. */
  housekeepingIntervalSeconds: number;
  /** Connections in the Node process's mysql2 pool (Workers open one per request instead). */
  databasePoolSize: number;
  /** Bounds on how long a request waits for the database before it gets 503 (Node pool). */
  database: { queryTimeoutMs: number; acquireTimeoutMs: number; queueLimit: number };
  /**
   * Delivery keeps retrying a notification until it is `maxAgeSeconds` old, backing off from
   * `retryBaseSeconds` up to `maxRetryDelaySeconds` between attempts.
   */
  outbox: {
    maxAgeSeconds: number;
    maxRetryDelaySeconds: number;
    retryBaseSeconds: number;
    pollMs: number;
    /** How long a claimed email is hidden from other dispatchers (renewed while sending). */
    leaseSeconds: number;
  };
  /** SMTP timeouts: connecting and the server's greeting (`connectTimeoutMs`), and an idle socket. */
  smtp: { connectTimeoutMs: number; socketTimeoutMs: number };
  /** Attempts per 15-minute window on each public auth route, per client address and per email. */
  authRateLimit: { perIp: number; perEmail: number };
  /** bcrypt cost (log2 rounds) for every password hash: register, admin create, password change and reset. */
  bcryptCost: number;
  admin: { email: string; password: string } | null;
  /** Email in both directions (README): where replies go, the SMTP listener, limits. */
  inbound: InboundConfig;
  /** Which proxy headers say who the client is (src/http/client-ip.ts); none by default. */
  trustProxy: TrustProxy;
  /** The Node server's listener and its defences against slow or oversized requests (seconds). */
  server: {
    host: string;
    headersTimeoutSeconds: number;
    requestTimeoutSeconds: number;
    keepAliveTimeoutSeconds: number;
    maxConnections: number;
  };
  /** Browser origins allowed to call the API cross-origin; empty: no CORS headers at all. */
  corsOrigins: string[];
  /** Requests per window for each authenticated principal, counted in process (per instance). */
  principalRateLimit: { limit: number; windowSeconds: number };
  /** Tickets each principal may create per window (shared by all instances, in the database). */
  ticketCreateLimit: { user: number; staff: number; windowSeconds: number };
  /** Outgoing webhooks (src/modules/webhooks): SSRF policy, secret encryption, retries and timeouts. */
  webhooks: {
    /** Allow URLs that resolve to loopback/private/link-local addresses (development and tests only). */
    allowPrivateUrls: boolean;
    /** Key material for encrypting signing secrets at rest: WEBHOOK_SECRET_KEY, else JWT_SECRET. */
    secretKey: string;
    timeoutMs: number;
    retryBaseSeconds: number;
    maxRetryDelaySeconds: number;
    /** A delivery retried this long (from its first queueing) without a 2xx is `failed`. */
    maxAgeSeconds: number;
    /** Consecutive failed deliveries after which the webhook is disabled and admins are emailed. */
    disableAfter: number;
    /** Deliveries in flight at once per dispatcher (each webhook has at most one). */
    concurrency: number;
  };
  /**
   * Attachments: where their bytes go (`STORAGE_URL`: `file:…` or `s3://…`; null: the entry's default,
   * `.data/attachments` on Node, the `ATTACHMENTS` R2 binding on Workers), S3 credentials (secrets: never
   * logged), the per-file size limit and how many files one message may carry.
   */
  attachments: {
    storageUrl: string | null;
    s3: { accessKeyId?: string; secretAccessKey?: string };
    maxBytes: number;
    maxPerMessage: number;
  };
}

export interface InboundConfig {
  /**
   * INBOUND_ADDRESS split in two: ticket emails carry `Reply-To: <local>+<token>@<domain>`. Null: no
   * Reply-To, and inbound mail can still be posted to the route but no reply can be matched by token.
   */
  address: { local: string; domain: string } | null;
  /** The Node SMTP listener's port; 0 (the default) leaves it off. */
  smtpPort: number;
  smtpHost: string;
  /** Largest raw message accepted by every door (SMTP SIZE, the route's 413, the Worker). */
  maxBytes: number;
  /** Mail from an unknown address creates a password-less customer account (else it is rejected). */
  newCustomers: boolean;
  /** Mails one sender may have applied per window; more are rejected (runaway autoresponders). */
  rateLimit: { perSender: number; windowSeconds: number };
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
  // The checks that span keys read the raw input, not the parsed result: had they waited for the schema to
  // pass, a deploy with a bad PORT would learn about its missing JWT_SECRET only on the next attempt.
  const production = input.NODE_ENV === 'production';
  let jwtSecret = env?.JWT_SECRET;
  if (input.JWT_SECRET === undefined) {
    if (production) {
      errors.push('JWT_SECRET is required in production (at least 32 bytes)');
    } else if (env) {
      jwtSecret = randomSecret();
      warnings.push('JWT_SECRET is not set: using a random one, so tokens stop working on restart');
    }
  }
  if (input.OUTBOX_MAX_ATTEMPTS !== undefined) {
    warnings.push(
      'OUTBOX_MAX_ATTEMPTS is no longer used: delivery retries until OUTBOX_MAX_AGE (default 24h) instead',
    );
  }
  // In production the default (http://localhost:PORT) would put unusable links in every email and a wrong
  // issuer in every token; only a developer's machine may fall back to it.
  if (production && input.APP_URL === undefined) {
    errors.push('APP_URL is required in production (the public base URL, e.g. https://helpdesk.example.com)');
  }
  if (input.WEBHOOK_ALLOW_PRIVATE_URLS === 'true' && production) {
    warnings.push(
      'WEBHOOK_ALLOW_PRIVATE_URLS=true: webhooks may reach loopback and private addresses (meant for development and tests)',
    );
  }
  if (input.JWT_SECRET === undefined && input.WEBHOOK_SECRET_KEY === undefined && !production) {
    warnings.push(
      'WEBHOOK_SECRET_KEY and JWT_SECRET are not set: stored webhook secrets stop working on restart',
    );
  }
  if ((input.ADMIN_EMAIL === undefined) !== (input.ADMIN_PASSWORD === undefined)) {
    errors.push('ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  if (input.INBOUND_SMTP_PORT !== undefined && input.INBOUND_SMTP_PORT !== '0' && !input.INBOUND_ADDRESS) {
    errors.push('INBOUND_SMTP_PORT needs INBOUND_ADDRESS (the only mailbox the listener accepts mail for)');
  }
  if (env && env.HTTP_HEADERS_TIMEOUT > env.HTTP_REQUEST_TIMEOUT) {
    errors.push('HTTP_HEADERS_TIMEOUT must not be longer than HTTP_REQUEST_TIMEOUT');
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
      csatLinkTtlSeconds: env.CSAT_LINK_TTL,
      housekeepingIntervalSeconds: env.HOUSEKEEPING_INTERVAL_SECONDS,
      databasePoolSize: env.DATABASE_POOL_SIZE,
      database: {
        queryTimeoutMs: env.DATABASE_QUERY_TIMEOUT_MS,
        acquireTimeoutMs: env.DATABASE_ACQUIRE_TIMEOUT_MS,
        queueLimit: env.DATABASE_QUEUE_LIMIT,
      },
      smtp: { connectTimeoutMs: env.SMTP_CONNECT_TIMEOUT_MS, socketTimeoutMs: env.SMTP_SOCKET_TIMEOUT_MS },
      outbox: {
        maxAgeSeconds: env.OUTBOX_MAX_AGE,
        maxRetryDelaySeconds: env.OUTBOX_MAX_RETRY_DELAY,
        leaseSeconds: env.OUTBOX_LEASE_SECONDS,
        retryBaseSeconds: env.OUTBOX_RETRY_BASE_SECONDS,
        pollMs: env.OUTBOX_POLL_MS,
      },
      authRateLimit: { perIp: env.AUTH_RATE_LIMIT_PER_IP, perEmail: env.AUTH_RATE_LIMIT_PER_EMAIL },
      bcryptCost: env.BCRYPT_COST,
      trustProxy: env.TRUST_PROXY,
      server: {
        host: env.HOST,
        headersTimeoutSeconds: env.HTTP_HEADERS_TIMEOUT,
        requestTimeoutSeconds: env.HTTP_REQUEST_TIMEOUT,
        keepAliveTimeoutSeconds: env.HTTP_KEEP_ALIVE_TIMEOUT,
        maxConnections: env.HTTP_MAX_CONNECTIONS,
      },
      corsOrigins: env.CORS_ORIGINS,
      principalRateLimit: { limit: env.RATE_LIMIT_PER_PRINCIPAL, windowSeconds: env.RATE_LIMIT_WINDOW },
      ticketCreateLimit: {
        user: env.TICKET_CREATE_LIMIT,
        staff: env.TICKET_CREATE_LIMIT_STAFF,
        windowSeconds: env.TICKET_CREATE_WINDOW,
      },
      webhooks: {
        allowPrivateUrls: env.WEBHOOK_ALLOW_PRIVATE_URLS === 'true',
        secretKey: env.WEBHOOK_SECRET_KEY ?? jwtSecret,
        timeoutMs: env.WEBHOOK_TIMEOUT * 1000,
        retryBaseSeconds: env.WEBHOOK_RETRY_BASE_SECONDS,
        maxRetryDelaySeconds: env.WEBHOOK_MAX_RETRY_DELAY,
        maxAgeSeconds: env.WEBHOOK_MAX_AGE,
        disableAfter: env.WEBHOOK_DISABLE_AFTER,
        concurrency: env.WEBHOOK_CONCURRENCY,
      },
      inbound: {
        address: env.INBOUND_ADDRESS
          ? {
              local: env.INBOUND_ADDRESS.split('@')[0]!.toLowerCase(),
              domain: env.INBOUND_ADDRESS.split('@')[1]!.toLowerCase(),
            }
          : null,
        smtpPort: env.INBOUND_SMTP_PORT,
        smtpHost: env.INBOUND_SMTP_HOST,
        maxBytes: env.INBOUND_MAX_BYTES,
        newCustomers: env.INBOUND_NEW_CUSTOMERS === 'true',
        rateLimit: { perSender: env.INBOUND_RATE_LIMIT, windowSeconds: env.INBOUND_RATE_WINDOW },
      },
      attachments: {
        storageUrl: env.STORAGE_URL ?? null,
        s3: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY },
        maxBytes: env.ATTACHMENT_MAX_BYTES,
        maxPerMessage: env.ATTACHMENT_MAX_PER_MESSAGE,
      },
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
