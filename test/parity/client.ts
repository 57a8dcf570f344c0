import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { notifications, type Role } from '../../db/schema/index.js';
import { makeAccount } from '../helpers/factories.js';
import { type Delivered, delivered } from '../helpers/mailbox.js';
import type { Target } from './targets.js';

// A small HTTP client for the parity scenarios: plain fetch against a Target, so one scenario runs
// unchanged on Node and on Workers.

// biome-ignore lint/suspicious/noExplicitAny: response bodies are JSON the tests assert on, like supertest's.
export type Json = any;

export interface Reply {
  status: number;
  headers: Headers;
  body: Json;
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export const API = '/api/v1';

/** One API call; `path` is below /api/v1. JSON bodies are sent and parsed. */
export async function call(t: Target, method: string, path: string, opts: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await t.fetch(`${API}${path}`, {
    method,
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

/** Asserts an RFC 9457 problem with the given status and code. */
export function expectProblem(res: Reply, status: number, code: string): void {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code });
}

/** A signed-in account. */
export interface Actor {
  id: string;
  email: string;
  name: string;
  role: Role;
  password: string;
  token: string;
  refreshToken: string;
}

export const uniqueEmail = (prefix = 'p') => `${prefix}-${randomBytes(5).toString('hex')}@example.test`;

/** Logs an existing account in through the API. */
export async function login(
  t: Target,
  account: { email: string; password: string },
  userAgent = 'parity',
): Promise<{ token: string; refreshToken: string; body: Json }> {
  const res = await call(t, 'POST', '/auth/login', {
    body: { email: account.email, password: account.password },
    headers: { 'user-agent': userAgent },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { token: res.body.accessToken, refreshToken: res.body.refreshToken, body: res.body };
}

/** An account of any role (staff cannot self-register), created in the database and logged in. */
export async function signIn(t: Target, role: Role = 'user'): Promise<Actor> {
  const name = `${role[0]!.toUpperCase()}${role.slice(1)} ${randomBytes(2).toString('hex')}`;
  const account = await t.database.use((db) => makeAccount(db, role, { name }));
  const { token, refreshToken } = await login(t, account);
  return { ...account, id: String(account.id), name, token, refreshToken };
}

/** Raises a ticket through the API and returns its id. */
export async function raise(t: Target, by: Actor, fields: Record<string, unknown> = {}): Promise<string> {
  const res = await call(t, 'POST', '/tickets', {
    token: by.token,
    body: { subject: 'Printer on fire', body: 'Smoke everywhere.', ...fields },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

const seen = new WeakMap<Target, number>();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until no notification is `queued` any more (delivered, or given up on). */
export async function outboxEmpty(t: Target, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await t.database.use((db) =>
      db.select({ n: sql<number>`count(*)` }).from(notifications).where(eq(notifications.status, 'queued')),
    );
    if (Number(row?.n) === 0) return;
    if (Date.now() > deadline)
      throw new Error(`${row?.n} notification(s) still queued after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Runs the scheduled work, waits for every queued email to be delivered (by it, or by a drain already
 * under way: Node's loop, a Worker's post-request drain), and returns the emails that reached the sink
 * since the previous call. A row is marked sent only after the sink accepted its message, so nothing
 * is still on its way when this returns.
 */
export async function settle(t: Target): Promise<Delivered[]> {
  await t.scheduled();
  await outboxEmpty(t);
  const from = seen.get(t) ?? 0;
  seen.set(t, t.sink.messages.length);
  return t.sink.messages.slice(from).map(delivered);
}

/** (recipient, subject) pairs, sorted, for exact comparison. */
export const summary = (mails: Delivered[]) => mails.map((m) => [m.to, m.subject]).sort();
