import { describe, expect, it } from 'vitest';
import { DatabaseBusyError, isDatabaseUnavailable } from '../../src/database.js';
import { toProblem } from '../../src/http/problem.js';

// Issue 10 item 11: 5 of ~2,780 responses during a database outage were 500, because drizzle's ROLLBACK
// on the dead connection failed with this error (no `code`, only `fatal: true`), replacing the
// connection-lost one.
function closedState(): Error {
  const err = new Error("Can't add new command when connection is in closed state") as Error & {
    fatal: boolean;
  };
  err.fatal = true;
  return err;
}

/** How drizzle wraps a driver error: its own error with the driver's as `cause`. */
const wrapped = (cause: unknown) => new Error('Failed query: rollback\nparams: ', { cause });

describe('database-unavailable errors are 503, at any step of a transaction', () => {
  it('the ROLLBACK on a dead connection (closed state, fatal, no code)', () => {
    expect(isDatabaseUnavailable(closedState())).toBe(true);
    expect(isDatabaseUnavailable(wrapped(closedState()))).toBe(true);
    expect(toProblem(wrapped(closedState()))).toMatchObject({ status: 503, code: 'not_ready' });
  });

  it('a query timeout, a pool that cannot hand out a connection in time, or a full queue', () => {
    const timeout = Object.assign(new Error('Query inactivity timeout'), {
      code: 'PROTOCOL_SEQUENCE_TIMEOUT',
    });
    expect(toProblem(wrapped(timeout)).status).toBe(503);
    for (const code of ['DB_ACQUIRE_TIMEOUT', 'DB_QUEUE_FULL', 'DB_POOL_CLOSED'] as const)
      expect(toProblem(new DatabaseBusyError(code, 'busy')).status).toBe(503);
  });

  it('but a bad query (a bug, not an outage) stays 500', () => {
    const bad = Object.assign(new Error("Unknown column 'x'"), { errno: 1054, code: 'ER_BAD_FIELD_ERROR' });
    expect(isDatabaseUnavailable(wrapped(bad))).toBe(false);
    expect(toProblem(wrapped(bad)).status).toBe(500);
  });
});
