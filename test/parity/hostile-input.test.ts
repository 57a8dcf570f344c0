import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, call, expectProblem, signIn, uniqueEmail } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Input validation that leans on Unicode support (property escapes, NFKC) and on the exact email column:
// workerd must answer exactly as Node does (issue 10 items 2, 7, 8, 9).

const PASSWORD = 'correct horse battery';

describe.each(TARGET_NAMES)('hostile input on %s', (name) => {
  const t = useTarget(name);
  let user: Actor;

  beforeAll(async () => {
    user = await signIn(t(), 'user');
  });

  it('login: an accented look-alike address is 422, a 73-byte password is 422, the real pair is 200', async () => {
    const email = uniqueEmail('victim');
    const reg = await call(t(), 'POST', '/auth/register', { body: { email, password: PASSWORD, name: 'V' } });
    expect(reg.status).toBe(201);
    const lookAlike = email.replace('victim', 'vĩĉtim');
    expectProblem(
      await call(t(), 'POST', '/auth/login', { body: { email: lookAlike, password: PASSWORD } }),
      422,
      'validation_failed',
    );
    expectProblem(
      await call(t(), 'POST', '/auth/login', { body: { email, password: `${'p'.repeat(72)}x` } }),
      422,
      'validation_failed',
    );
    expect((await call(t(), 'POST', '/auth/login', { body: { email, password: PASSWORD } })).status).toBe(
      200,
    );
  });

  it('tags: NFKC-folded and compared exactly; a lone surrogate or a control character is 422', async () => {
    const created = await call(t(), 'POST', '/tickets', {
      token: user.token,
      body: { subject: 'Café', body: 'line one\r\nline two', tags: ['cafe', 'café', 'x１', 'x1'] },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.tags).toEqual(['cafe', 'café', 'x1']);
    for (const body of [
      { subject: 'a\ud800', body: 'x' },
      { subject: 'a\u202eb', body: 'x' },
      { subject: 'a\r\nBcc: x@example.test', body: 'x' },
      { subject: 'ok', body: 'a\u0000b' },
    ]) {
      expectProblem(
        await call(t(), 'POST', '/tickets', { token: user.token, body }),
        422,
        'validation_failed',
      );
    }
    expectProblem(
      await call(t(), 'PATCH', '/me', { token: user.token, body: { name: 'Ada\u200bLovelace' } }),
      422,
      'validation_failed',
    );
  });
});
