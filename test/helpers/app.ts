import { mkdtempSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import supertest from 'supertest';
import { afterAll, beforeAll } from 'vitest';
import { createApp } from '../../src/app.js';
import { type Config, parseConfig } from '../../src/config.js';
import type { Database } from '../../src/database.js';
import type { AppDeps, Clock } from '../../src/deps.js';
import { findDocsBundle, nodeDocsAsset } from '../../src/entry/docs-asset.js';
import { hardenServer } from '../../src/http/node-server.js';
import { createLogger } from '../../src/logger.js';
import { fileStorage } from '../../src/storage/file.js';
import type { StorageDriver } from '../../src/storage/index.js';
import { createTestDatabase, type TestDatabase } from './database.js';

/** A clock tests can move forward. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}

export function testConfig(overrides: Record<string, string> = {}): Config {
  const result = parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: 'mysql://root@127.0.0.1:1/unused',
    SMTP_URL: 'smtp://127.0.0.1:1',
    JWT_SECRET: 'test-secret-that-is-at-least-32-bytes-long!',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Every test client shares 127.0.0.1; test/integration/rate-limit.test.ts sets real limits.
    AUTH_RATE_LIMIT_PER_IP: '100000',
    AUTH_RATE_LIMIT_PER_EMAIL: '100000',
    // Per-principal and ticket-creation limits out of the way too (their own tests set real ones).
    RATE_LIMIT_PER_PRINCIPAL: '1000000',
    TICKET_CREATE_LIMIT: '1000000',
    TICKET_CREATE_LIMIT_STAFF: '1000000',
    // The lowest bcrypt cost: hashing at the default 12 would make every register/login ~250 ms.
    BCRYPT_COST: '4',
    ...overrides,
  });
  if (!result.ok) throw new Error(result.message);
  return result.config;
}

export interface TestApp {
  deps: AppDeps;
  clock: TestClock;
  /** supertest bound to the app served by the real Node adapter. */
  http: ReturnType<typeof supertest>;
  /**
   * The same server listening on a port, hardened as the Node entry hardens it (timeouts, connection
   * cap, clientError), for raw requests (streamed bodies, raw sockets). Closed by the caller.
   */
  listen(): Promise<{ baseUrl: string; close(): Promise<void> }>;
}

/** Builds the app exactly as the Node entry does, over the given database. */
export function createTestApp(
  database: Database,
  configOverrides: Record<string, string> = {},
  storage: StorageDriver = tempFileStorage(),
): TestApp {
  const config = testConfig(configOverrides);
  const clock = new TestClock();
  const deps: AppDeps = {
    config,
    database,
    clock,
    logger: createLogger({ level: config.logLevel }),
    storage,
  };
  const docsBundle = findDocsBundle();
  if (docsBundle) deps.docsAsset = nodeDocsAsset(docsBundle);
  const app = createApp(deps);
  const server = createAdaptorServer({ fetch: app.fetch });
  hardenServer(server as Server, config.server);
  return {
    deps,
    clock,
    http: supertest(server),
    listen: () =>
      new Promise((resolve) => {
        const s = createAdaptorServer({ fetch: app.fetch });
        hardenServer(s as Server, config.server);
        s.listen(0, '127.0.0.1', () => {
          const addr = s.address() as AddressInfo;
          resolve({
            baseUrl: `http://127.0.0.1:${addr.port}`,
            close: () => new Promise<void>((r) => s.close(() => r())),
          });
        });
      }),
  };
}

/** The file-system attachment driver over a fresh temporary directory (the tests' default storage). */
export function tempFileStorage(): StorageDriver {
  return fileStorage(mkdtempSync(join(tmpdir(), 'helpdesk-attachments-')));
}

/**
 * For a test file that talks HTTP: registers hooks giving it a fresh migrated database and an app over
 * it (dropped afterwards). Read `.db` and `.app` inside tests, after the hooks have run.
 */
export function useTestApp(configOverrides: Record<string, string> = {}): { db: TestDatabase; app: TestApp } {
  const env = {} as { db: TestDatabase; app: TestApp };
  beforeAll(async () => {
    env.db = await createTestDatabase();
    env.app = createTestApp(env.db.database, configOverrides);
  });
  afterAll(() => env.db?.drop());
  return env;
}
