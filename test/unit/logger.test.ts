import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, redact, scrubUrlCredentials } from '../../src/logger.js';

describe('log redaction', () => {
  it('replaces values under secret-looking keys, at any depth', () => {
    const out = redact({
      password: 'hunter2',
      user: { email: 'a@b.c', newPassword: 'pw', refreshToken: 'rt' },
      headers: { authorization: 'Bearer abc', 'x-request-id': 'r1' },
      jwtSecret: 's',
      SMTP_URL: 'smtp://u:p@h',
    });
    expect(JSON.stringify(out)).not.toMatch(/hunter2|"pw"|"rt"|Bearer abc|"s"|u:p@/);
    expect(out).toMatchObject({ user: { email: 'a@b.c' }, headers: { 'x-request-id': 'r1' } });
  });

  it('masks credentials inside URLs in any string, including error messages', () => {
    expect(scrubUrlCredentials('connect smtp://mailer:s3cret@smtp.test:587 failed')).toBe(
      'connect smtp://mailer:***@smtp.test:587 failed',
    );
    const out = redact({ err: new Error('bad mysql://root:pw123@db/x') }) as { err: { message: string } };
    expect(out.err.message).toBe('bad mysql://root:***@db/x');
  });

  it('is applied by the logger the app builds, to every line it writes', () => {
    const lines: string[] = [];
    const logger = createLogger(
      { level: 'info' },
      new Writable({
        write(chunk, _enc, cb) {
          lines.push(String(chunk));
          cb();
        },
      }),
    );
    logger
      .child({ reqId: 'r1' })
      .info({ password: 'top-secret', body: { token: 'tkn' }, url: 'smtp://a:b@c' }, 'login');
    logger.error({ err: new Error('auth failed for smtp://mailer:pw@smtp.test') }, 'send failed');
    const text = lines.join('');
    expect(text).not.toMatch(/top-secret|tkn|a:b@|mailer:pw/);
    const first = JSON.parse(lines[0]!);
    expect(first).toMatchObject({ level: 'info', reqId: 'r1', msg: 'login', password: '[REDACTED]' });
  });
});

describe('errors in logs', () => {
  it('keep their type and cause but lose the bound parameters of a failed query', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3306'), { code: 'ECONNREFUSED' });
    const err = new Error(
      'Failed query: select * from users where email = ?\nparams: ada@example.com,$2b$10$hash',
      {
        cause,
      },
    );
    const out = redact(err) as { message: string; cause: { code: string } };
    expect(out.message).toBe('Failed query: select * from users where email = ?\nparams: [REDACTED]');
    expect(out.cause.code).toBe('ECONNREFUSED');
  });

  it('lose every bound parameter, even one spanning lines (a message body), and keep the stack frames', () => {
    const err = new Error(
      'Failed query: insert into messages values (?, ?)\nparams: 42,first line\nsecond line',
    );
    const out = redact(err) as { message: string; stack: string };
    expect(out.message).toBe('Failed query: insert into messages values (?, ?)\nparams: [REDACTED]');
    expect(out.stack).not.toMatch(/first line|second line/);
    expect(out.stack).toMatch(/\n\s+at /);
  });
});

describe('URL credential masking', () => {
  it('masks every URL in a string, and only where a scheme precedes `://`', () => {
    expect(scrubUrlCredentials('a smtp://u:p@h b mysql+tls://root:x:y@db/z c 1://u:p@h d ://u:p@h')).toBe(
      'a smtp://u:***@h b mysql+tls://root:***@db/z c 1://u:p@h d ://u:p@h',
    );
    expect(scrubUrlCredentials('x://u:p@h/y://v:q@i')).toBe('x://u:***@h/y://v:***@i');
    expect(scrubUrlCredentials('no credentials: https://example.com/a://b')).toBe(
      'no credentials: https://example.com/a://b',
    );
  });
});
