import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/private-mariadb.js';
import { type Running, startEntry, waitForHttp } from '../helpers/node-process.js';

// The real Node entry honours HOST (it used to listen on 0.0.0.0 whatever HOST said). 127.0.0.2 is a
// loopback address on Linux that 127.0.0.1 does not reach: a listener on 0.0.0.0 would answer on both.
describe('HOST', () => {
  let run: Running;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    run = startEntry({
      NODE_ENV: 'production',
      // Nothing here needs the database: /health does not touch it.
      DATABASE_URL: 'mysql://nobody@127.0.0.1:1/none',
      SMTP_URL: 'smtp://127.0.0.1:1',
      JWT_SECRET: 'x'.repeat(40),
      PORT: String(port),
      HOST: '127.0.0.2',
      APP_URL: 'http://127.0.0.2',
      LOG_LEVEL: 'info',
    });
    await waitForHttp(`http://127.0.0.2:${port}/health`);
  });
  afterAll(async () => {
    if (run.child.exitCode === null) run.child.kill('SIGKILL');
  });

  it('listens on HOST only', async () => {
    expect((await fetch(`http://127.0.0.2:${port}/health`)).status).toBe(200);
    const other = await fetch(`http://127.0.0.1:${port}/health`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(other).toBe('refused');
    expect(run.output()).toMatch(/"host":"127\.0\.0\.2".*helpdesk API listening/);
  });
});
