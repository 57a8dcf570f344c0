import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { type R2BucketLike, r2Storage } from '../../src/storage/index.js';
import { describeStorageDriver } from '../helpers/storage-suite.js';
import { type Actor, API, call, expectProblem, raise, signIn } from './client.js';
import { TARGET_NAMES, useTarget } from './targets.js';

// Attachments on both runtimes: Node stores on the file system, the Worker in wrangler.toml's
// ATTACHMENTS R2 bucket (Miniflare's R2). Uploads and downloads go through the app; on Workers the
// shared driver suite also runs against the R2 binding itself.

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function multipart(filename: string, type: string, bytes: Uint8Array) {
  const boundary = `----parity${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}` };
}

describe.each(TARGET_NAMES)('attachments on %s', (name) => {
  const t = useTarget(name);
  let user: Actor;
  let other: Actor;
  let agent: Actor;
  /** Workers only: wrangler.toml's ATTACHMENTS bucket, reached from here through Miniflare. */
  let bucket: R2BucketLike;

  beforeAll(async () => {
    const mf = t().workerd?.mf;
    if (mf) bucket = (await mf.getR2Bucket('ATTACHMENTS')) as unknown as R2BucketLike;
    [user, other, agent] = await Promise.all([
      signIn(t(), 'user'),
      signIn(t(), 'user'),
      signIn(t(), 'agent'),
    ]);
  });

  async function upload(
    by: Actor,
    ticket: string,
    bytes: Uint8Array,
    filename = 'shot.png',
    type = 'image/png',
  ) {
    const { body, contentType } = multipart(filename, type, bytes);
    const res = await t().fetch(`${API}/tickets/${ticket}/attachments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${by.token}`, 'content-type': contentType },
      body,
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
  }
  async function download(by: Actor, id: string) {
    const res = await t().fetch(`${API}/attachments/${id}`, {
      headers: { authorization: `Bearer ${by.token}` },
    });
    return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
  }

  it('uploads, binds to a reply and downloads with the same bytes, headers and visibility', async () => {
    const ticket = await raise(t(), user);
    const bytes = randomBytes(30_000);
    const up = await upload(user, ticket, bytes, '../../évil\u202Egnp.exe');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body).toMatchObject({
      filename: 'évilgnp.exe',
      contentType: 'image/png',
      size: 30_000,
      sha256: sha(bytes),
    });
    expect((await download(agent, up.body.id)).status).toBe(404);

    const reply = await call(t(), 'POST', `/tickets/${ticket}/messages`, {
      token: user.token,
      body: { body: 'Screenshot attached.', attachmentIds: [up.body.id] },
    });
    expect(reply.status).toBe(201);
    expect(reply.body.attachments).toEqual([
      { id: up.body.id, filename: 'évilgnp.exe', contentType: 'image/png', size: 30_000 },
    ]);

    const got = await download(agent, up.body.id);
    expect(got.status).toBe(200);
    expect(sha(got.bytes)).toBe(sha(bytes));
    expect(got.headers.get('content-length')).toBe('30000');
    expect(got.headers.get('content-disposition')).toBe(
      `attachment; filename="_vilgnp.exe"; filename*=UTF-8''%C3%A9vilgnp.exe`,
    );
    expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    expect(got.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(got.headers.get('etag')).toBe(`"${sha(bytes)}"`);
    expect((await download(other, up.body.id)).status).toBe(404);
  });

  it("an internal note's attachment is staff-only; another user's upload cannot be bound (422)", async () => {
    const ticket = await raise(t(), user);
    const up = await upload(agent, ticket, randomBytes(100), 'note.txt', 'text/plain');
    const note = await call(t(), 'POST', `/tickets/${ticket}/messages`, {
      token: agent.token,
      body: { body: 'Internal.', internal: true, attachmentIds: [up.body.id] },
    });
    expect(note.status).toBe(201);
    expect((await download(agent, up.body.id)).status).toBe(200);
    expect((await download(user, up.body.id)).status).toBe(404);

    const agents = await upload(agent, ticket, randomBytes(10));
    const steal = await call(t(), 'POST', `/tickets/${ticket}/messages`, {
      token: user.token,
      body: { body: 'Mine now.', attachmentIds: [agents.body.id] },
    });
    expectProblem(steal, 422, 'attachment_not_usable');
  });

  it('streams a file larger than one object-store part, and refuses one over 10 MiB with 413', async () => {
    const ticket = await raise(t(), user);
    const big = randomBytes(9 * 1024 * 1024);
    const up = await upload(user, ticket, big, 'big.zip', 'application/zip');
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.sha256).toBe(sha(big));
    const got = await download(user, up.body.id);
    expect(got.bytes.length).toBe(big.length);
    expect(sha(got.bytes)).toBe(sha(big));

    const tooBig = await upload(user, ticket, randomBytes(10 * 1024 * 1024 + 1), 'huge.bin');
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('payload_too_large');
  });

  if (name === 'workers') {
    describeStorageDriver(
      'r2 (Miniflare, the ATTACHMENTS binding)',
      () => r2Storage(bucket),
      () => r2Storage(unreachableBucket),
    );
  }
});

/** A binding whose every call fails, as a bucket does while R2 is down (only the driver's error mapping is under test). */
const unreachableBucket: R2BucketLike = {
  put: () => Promise.reject(new Error('R2 unavailable')),
  get: () => Promise.reject(new Error('R2 unavailable')),
  delete: () => Promise.reject(new Error('R2 unavailable')),
  head: () => Promise.reject(new Error('R2 unavailable')),
  createMultipartUpload: () => Promise.reject(new Error('R2 unavailable')),
};
