import { createApp } from '../app.js';
import { type Config, parseConfig } from '../config.js';
import { createPerCallDatabase } from '../database.js';
import { type AppDeps, systemClock } from '../deps.js';
import { DOCS_SCRIPT_PATH } from '../http/docs.js';
import { problem } from '../http/problem.js';
import { createConsoleLogger, type Logger } from '../logger.js';
import { sweepUnusedUploads } from '../modules/attachments/index.js';
import { sequenceFeed } from '../modules/feed/index.js';
import { sweepIdempotencyKeys } from '../modules/idempotency/index.js';
import { receiveAtDoor } from '../modules/inbound/index.js';
import { createSmtpMailer, drainOutbox, outboxSettings } from '../modules/notifications/index.js';
import { autoCloseSolved, sweepSla } from '../modules/tickets/index.js';
import { drainWebhooks, fetchTransport, webhookSettings } from '../modules/webhooks/index.js';
import { isR2Binding, parseStorageUrl, r2Storage, type StorageDriver, s3Storage } from '../storage/index.js';

// Workers entry: `fetch` serves the same Hono app as Node (and, after a successful change, drains the
// outbox in the background), `scheduled` (a cron trigger) auto-closes solved tickets and drains the outbox.
// The database comes from the Hyperdrive binding, one connection per request: Workers forbid reusing a
// socket across requests, so nothing here holds one beyond the call that opened it.

/** The parts of a Hyperdrive binding we use (the full type lives in @cloudflare/workers-types). */
export interface HyperdriveBinding {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** The static assets binding (wrangler.toml `[assets]`): holds the API reference's bundle. */
export interface AssetsBinding {
  fetch(request: Request): Promise<Response>;
}

/** The Worker's bindings: `HYPERDRIVE`, `ASSETS`, `ATTACHMENTS` (R2), plus the vars and secrets (wrangler.toml). */
export interface Env {
  HYPERDRIVE?: HyperdriveBinding;
  ASSETS?: AssetsBinding;
  ATTACHMENTS?: unknown;
  [name: string]: unknown;
}

/** Structural stand-ins for the Workers runtime types, so the entry needs no @cloudflare/workers-types. */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  readonly props: unknown;
}
/** The parts of Email Routing's ForwardableEmailMessage the `email()` handler uses. */
export interface InboundEmailMessage {
  readonly from: string;
  readonly to: string;
  readonly raw: ReadableStream<Uint8Array>;
  readonly rawSize: number;
  setReject(reason: string): void;
}
interface ScheduledController {
  readonly scheduledTime: number;
  readonly cron: string;
}

type Built =
  | { ok: true; config: Config; logger: Logger; deps: AppDeps; app: ReturnType<typeof createApp> }
  | { ok: false; message: string };

/**
 * Built once per `env` object (per isolate in practice). Safe to keep: the app, config and logger hold no
 * socket, and the per-call database only holds connection options. A bad config is kept too, so it is
 * logged once rather than on every request.
 */
const built = new WeakMap<Env, Built>();

/** The string (and scalar JSON) vars and secrets; bindings such as HYPERDRIVE are objects and skipped. */
function configRecord(env: Env, hyperdrive: HyperdriveBinding): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      record[name] = String(value);
    }
  }
  // A Worker has no socket address, and Cloudflare's edge sets CF-Connecting-IP on every request itself
  // (replacing any value a client sent), so it is the only trustworthy address here: the default.
  // Setting TRUST_PROXY=none on Workers leaves every client unknown (one shared per-address bucket).
  record.TRUST_PROXY ??= 'cloudflare';
  // Only for validation (config.databaseUrl is unused on Workers): connections are opened from the
  // binding's fields, and the password stays out of the URL so it cannot end up in a log line.
  const user = encodeURIComponent(hyperdrive.user);
  const database = encodeURIComponent(hyperdrive.database);
  record.DATABASE_URL = `mysql://${user}@${hyperdrive.host}:${hyperdrive.port}/${database}`;
  return record;
}

function build(env: Env): Built {
  const hyperdrive = env.HYPERDRIVE;
  if (!hyperdrive || typeof hyperdrive !== 'object') {
    return {
      ok: false,
      message:
        'Invalid configuration:\n  - HYPERDRIVE binding is missing (add [[hyperdrive]] to wrangler.toml)',
    };
  }
  const parsed = parseConfig(configRecord(env, hyperdrive));
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const { config } = parsed;
  const logger = createConsoleLogger(config.logLevel);
  for (const warning of parsed.warnings) logger.warn(warning);
  if (config.admin) {
    // Creating it here would put a bcrypt hash and a race between isolates on some visitor's request;
    // the first admin is made once, from a machine that reaches the database (README, Deploying).
    logger.warn(
      'ADMIN_EMAIL/ADMIN_PASSWORD are ignored on Workers: create the first admin with `npm run admin:create` against the database',
    );
  }
  if (new URL(config.smtpUrl).searchParams.get('tls_reject_unauthorized') === 'false') {
    logger.warn(
      'SMTP_URL tls_reject_unauthorized=false is ignored on Workers: the relay needs a publicly trusted certificate',
    );
  }
  const database = createPerCallDatabase({
    host: hyperdrive.host,
    port: hyperdrive.port,
    user: hyperdrive.user,
    password: hyperdrive.password,
    database: hyperdrive.database,
  });
  const storage = workerStorage(env, config, logger);
  if (typeof storage === 'string') return { ok: false, message: `Invalid configuration:\n  - ${storage}` };
  const deps: AppDeps = { config, logger, database, clock: systemClock };
  if (storage) deps.storage = storage;
  const assets = env.ASSETS;
  // The bundle is too big for the Worker script (its size budget): it is a static asset, copied by the
  // [build] command, fetched from the binding (run_worker_first, so our headers apply to it too).
  if (assets && typeof assets.fetch === 'function') {
    deps.docsAsset = () => assets.fetch(new Request(new URL(DOCS_SCRIPT_PATH, 'https://assets.invalid')));
  }
  return { ok: true, config, logger, deps, app: createApp(deps) };
}

/**
 * Attachments on Workers: the `ATTACHMENTS` R2 binding when there is one, else an `s3://` STORAGE_URL
 * (R2 or any S3 through its HTTP API). A Worker has no disk: `file:` is a configuration error. Neither:
 * no storage (uploads answer 503 `storage_unavailable`), with a warning.
 */
function workerStorage(env: Env, config: Config, logger: Logger): StorageDriver | string | null {
  if (env.ATTACHMENTS !== undefined) {
    if (!isR2Binding(env.ATTACHMENTS)) return 'ATTACHMENTS must be an R2 bucket binding ([[r2_buckets]])';
    return r2Storage(env.ATTACHMENTS);
  }
  if (config.attachments.storageUrl) {
    const location = parseStorageUrl(config.attachments.storageUrl, config.attachments.s3);
    if (typeof location === 'string') return `STORAGE_URL ${location}`;
    if (location.kind === 'file') return 'STORAGE_URL file: is not available on Workers (use R2 or s3://)';
    return s3Storage(location.options);
  }
  logger.warn('no attachment storage: add the ATTACHMENTS R2 binding or an s3:// STORAGE_URL');
  return null;
}

function get(env: Env): Built {
  let b = built.get(env);
  if (!b) {
    b = build(env);
    // Logged once per env object, as plain text: no stack trace, no secret values (only variable names).
    if (!b.ok) console.error(b.message);
    built.set(env, b);
  }
  return b;
}

/** Every error is problem+json, this one too; the details (which keys) are only in the Worker logs. */
const misconfigured = () =>
  new Response(
    JSON.stringify(
      problem(
        500,
        'misconfigured',
        'Internal server error',
        'The server configuration is invalid; see the Worker logs.',
      ),
    ),
    { status: 500, headers: { 'content-type': 'application/problem+json' } },
  );

/** Drains the outbox once; `trigger` is the cron expression, or `request` for a post-response kick. */
async function drain(b: Extract<Built, { ok: true }>, trigger: string): Promise<void> {
  const { config, logger, deps } = b;
  const log = logger.child({ component: 'outbox', trigger });
  // A fresh transport per run: nodemailer opens (and closes) its SMTP socket inside sendMail.
  const mailer = createSmtpMailer(config.smtpUrl, config.smtp, 'workers');
  try {
    const result = await drainOutbox({
      database: deps.database,
      mailer,
      clock: deps.clock,
      logger: log,
      ...outboxSettings(config),
    });
    if (result.claimed > 0) log.info(result, 'outbox drained');
  } catch (err) {
    // Rows stay claimed until their lease ends, then the next cron run retries them.
    log.error({ err }, 'outbox dispatch failed');
  } finally {
    mailer.close();
  }
}

/**
 * Sends due webhook deliveries once (fetch: Workers cannot reach private, loopback or link-local
 * addresses, whatever a name resolves to at connection time).
 */
async function deliverWebhooks(b: Extract<Built, { ok: true }>, trigger: string): Promise<void> {
  const log = b.logger.child({ component: 'webhooks', trigger });
  try {
    const result = await drainWebhooks({
      database: b.deps.database,
      clock: b.deps.clock,
      logger: log,
      transport: fetchTransport,
      ...webhookSettings(b.config),
    });
    if (result.claimed > 0) log.info(result, 'webhooks drained');
  } catch (err) {
    log.error({ err }, 'webhook dispatch failed');
  }
}

async function housekeeping(b: Extract<Built, { ok: true }>, cron: string): Promise<void> {
  const log = b.logger.child({ component: 'housekeeping', cron });
  try {
    const closed = await autoCloseSolved({ ...b.deps, logger: log });
    if (closed > 0) log.info({ closed }, 'auto-closed solved tickets');
  } catch (err) {
    log.error({ err }, 'auto-close failed');
  }
  // SLA warnings and breaches: the cron runs every minute, so each is written within a minute.
  try {
    const written = await sweepSla({ ...b.deps, logger: log });
    if (written > 0) log.info({ written }, 'wrote SLA alerts');
  } catch (err) {
    log.error({ err }, 'SLA sweep failed');
  }
  // Feed reads number new events themselves; the cron keeps a quiet feed's backlog short all the same.
  try {
    await sequenceFeed(b.deps.database);
  } catch (err) {
    log.error({ err }, 'feed sequencing failed');
  }
  try {
    await sweepIdempotencyKeys(b.deps);
  } catch (err) {
    log.error({ err }, 'idempotency key sweep failed');
  }
  try {
    const deleted = await sweepUnusedUploads({ ...b.deps, logger: log });
    if (deleted > 0) log.info({ deleted }, 'deleted unused uploads');
  } catch (err) {
    log.error({ err }, 'unused upload sweep failed');
  }
}

/**
 * Email Routing's door into the inbound pipeline (README, "Email in both directions"). A mail over
 * INBOUND_MAX_BYTES is refused at the edge (setReject); every other mail is judged and recorded, and a
 * database failure is thrown, so Email Routing reports a temporary failure and the sender retries.
 */
async function receiveRoutedEmail(
  b: Extract<Built, { ok: true }>,
  message: InboundEmailMessage,
  ctx: ExecutionContext,
): Promise<void> {
  const { config, logger, deps } = b;
  if (message.rawSize > config.inbound.maxBytes) {
    message.setReject(`Message too big: at most ${config.inbound.maxBytes} bytes`);
    return;
  }
  const raw = new Uint8Array(await new Response(message.raw).arrayBuffer());
  const result = await receiveAtDoor(
    { ...deps, logger: logger.child({ component: 'inbound' }) },
    raw,
    { from: message.from.toLowerCase(), to: [message.to.toLowerCase()] },
    'worker',
  );
  // Applied mail may have queued email (the acknowledgement, the assignee's notice).
  if (result.outcome !== 'duplicate' && result.outcome !== 'auto_reply' && result.outcome !== 'rejected') {
    ctx.waitUntil(drain(b, 'email'));
  }
}

/** Methods that may change state (and so queue email); a GET never kicks a drain. */
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const b = get(env);
    if (!b.ok) return misconfigured();
    const response = await b.app.fetch(request, env, ctx);
    // A successful change may have queued email: drain now rather than at the next cron minute. The
    // drain runs after the response is returned (waitUntil), with its own connections, so the client
    // never waits on SMTP; several at once are safe (rows are claimed with SKIP LOCKED).
    if (MUTATING.has(request.method) && response.status >= 200 && response.status < 300) {
      ctx.waitUntil(drain(b, 'request'));
      ctx.waitUntil(deliverWebhooks(b, 'request'));
    }
    return response;
  },

  async email(message: InboundEmailMessage, env: Env, ctx: ExecutionContext): Promise<void> {
    const b = get(env);
    if (!b.ok) throw new Error('misconfigured: see the Worker logs');
    await receiveRoutedEmail(b, message, ctx);
  },

  async scheduled(controller: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    const b = get(env);
    if (!b.ok) return;
    // Close first, so the closing emails go out in the same run.
    ctx.waitUntil(housekeeping(b, controller.cron).then(() => drain(b, controller.cron)));
    ctx.waitUntil(deliverWebhooks(b, controller.cron));
  },
};
