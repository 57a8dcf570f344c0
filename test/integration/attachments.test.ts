import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { attachments } from '../../db/schema/index.js';
import { sweepUnusedUploads, UNUSED_UPLOAD_TTL_MS } from '../../src/modules/attachments/index.js';
import { fileStorage } from '../../src/storage/file.js';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { useMailbox } from '../helpers/mailbox.js';

const env = useTestApp({ ATTACHMENT_MAX_BYTES: String(64 * 1024), ATTACHMENT_MAX_PER_MESSAGE: '3' });
const mail = useMailbox(env);
let user: Actor;
let other: Actor;
let agent: Actor;

beforeAll(async () => {
  [user, other, agent] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
  ]);
});

const api = () => env.app.http;
async function raise(by: Actor) {
  const res = await api()
    .post('/api/v1/tickets')
    .set(...by.auth)
    .send({ subject: 'Printer jams', body: 'See the photo.' });
  expect(res.status).toBe(201);
  return res.body.id as string;
}
const upload = (
  by: Actor,
  ticket: string,
  bytes: Buffer | string,
  filename = 'photo.png',
  type = 'image/png',
) =>
  api()
    .post(`/api/v1/tickets/${ticket}/attachments`)
    .set(...by.auth)
    .attach('file', typeof bytes === 'string' ? Buffer.from(bytes) : bytes, { filename, contentType: type });
const reply = (by: Actor, ticket: string, body: Record<string, unknown>) =>
  api()
    .post(`/api/v1/tickets/${ticket}/messages`)
    .set(...by.auth)
    .send({ body: 'Attached.', ...body });
const fetchFile = (by: Actor, id: string) =>
  api()
    .get(`/api/v1/attachments/${id}`)
    .set(...by.auth)
    .buffer(true)
    .parse((res, cb) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => cb(null, Buffer.concat(chunks)));
    });
const rowCount = () =>
  env.db.database.use(async (db) => (await db.select({ id: attachments.id }).from(attachments)).length);

describe('POST /tickets/:id/attachments', () => {
  it('stores the file (201 with size and sha256) and only its uploader sees it until it is sent', async () => {
    const ticket = await raise(user);
    const bytes = randomBytes(5000);
    const res = await upload(user, ticket, bytes);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^\d+$/),
      filename: 'photo.png',
      contentType: 'image/png',
      size: 5000,
      sha256: createHash('sha256').update(bytes).digest('hex'),
      createdAt: expect.any(String),
    });
    const mine = await fetchFile(user, res.body.id);
    expect(mine.status).toBe(200);
    expect(Buffer.compare(mine.body as Buffer, bytes)).toBe(0);
    // Unbound: not even staff, and never a stranger.
    expect((await fetchFile(agent, res.body.id)).status).toBe(404);
    expect((await fetchFile(other, res.body.id)).status).toBe(404);
  });

  it('serves the file safely: attachment disposition, nosniff, sandbox CSP, length, ETag, 304', async () => {
    const ticket = await raise(user);
    const up = await upload(user, ticket, '<script>alert(1)</script>', 'x.html', 'text/html');
    expect(up.body.contentType).toBe('application/octet-stream');
    const res = await fetchFile(user, up.body.id);
    expect(res.headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'content-length': '25',
      'content-disposition': `attachment; filename="x.html"; filename*=UTF-8''x.html`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      etag: `"${up.body.sha256}"`,
    });
    const again = await api()
      .get(`/api/v1/attachments/${up.body.id}`)
      .set(...user.auth)
      .set('If-None-Match', `"${up.body.sha256}"`);
    expect(again.status).toBe(304);
  });

  it('sanitises hostile filenames and serves them with an RFC 6266 header', async () => {
    const ticket = await raise(user);
    const cases: [string, (name: string) => void][] = [
      ['../../etc/passwd', (n) => expect(n).toBe('passwd')],
      ['..\\..\\boot.ini', (n) => expect(n).toBe('boot.ini')],
      ['evil\u202Egnp.exe', (n) => expect(n).toBe('evilgnp.exe')],
      [`${'a'.repeat(1000)}.pdf`, (n) => expect([...n].length).toBeLessThanOrEqual(200)],
      ['résumé 履歴書.txt', (n) => expect(n).toBe('résumé 履歴書.txt')],
      ['..', (n) => expect(n).toBe('file')],
    ];
    for (const [raw, check] of cases) {
      const res = await upload(user, ticket, 'x', raw, 'text/plain');
      expect(res.status, `${raw}: ${res.text}`).toBe(201);
      check(res.body.filename);
      const file = await fetchFile(user, res.body.id);
      const disposition = file.headers['content-disposition'] as string;
      expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]*"; filename\*=UTF-8''[\x21-\x7e]+$/);
    }
  });

  it('sanitises NUL and CR/LF in a raw multipart filename', async () => {
    const ticket = await raise(user);
    const boundary = 'xYzBoundary';
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a\0b\rc.txt"\r\nContent-Type: text/plain\r\n\r\n`,
      ),
      Buffer.from('hello'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await api()
      .post(`/api/v1/tickets/${ticket}/attachments`)
      .set(...user.auth)
      .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
      .send(body);
    expect(res.status, res.text).toBe(201);
    expect(res.body.filename).toBe('abc.txt');
    expect(res.body.size).toBe(5);
  });

  it('refuses a file over ATTACHMENT_MAX_BYTES with 413 and Connection: close, storing nothing', async () => {
    const ticket = await raise(user);
    const before = await rowCount();
    const res = await upload(user, ticket, randomBytes(64 * 1024 + 1));
    expect(res.status).toBe(413);
    expect(res.body.code).toBe('payload_too_large');
    expect(res.headers.connection).toBe('close');
    expect(await rowCount()).toBe(before);
    // Exactly at the limit is fine.
    expect((await upload(user, ticket, randomBytes(64 * 1024))).status).toBe(201);
  });

  it('refuses an empty file, a missing field, a wrong boundary and a non-multipart body', async () => {
    const ticket = await raise(user);
    const empty = await upload(user, ticket, Buffer.alloc(0));
    expect(empty.status).toBe(422);
    const noFile = await api()
      .post(`/api/v1/tickets/${ticket}/attachments`)
      .set(...user.auth)
      .field('other', 'value');
    expect(noFile.status).toBe(422);
    const wrongBoundary = await api()
      .post(`/api/v1/tickets/${ticket}/attachments`)
      .set(...user.auth)
      .set('Content-Type', 'multipart/form-data; boundary=notTheOne')
      .send(
        Buffer.from(
          '--another\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\nx\r\n--another--\r\n',
        ),
      );
    expect(wrongBoundary.status).toBe(400);
    expect(wrongBoundary.body.code).toBe('malformed_multipart');
    const noBoundary = await api()
      .post(`/api/v1/tickets/${ticket}/attachments`)
      .set(...user.auth)
      .set('Content-Type', 'multipart/form-data')
      .send('x');
    expect(noBoundary.body.code).toBe('malformed_multipart');
    const json = await api()
      .post(`/api/v1/tickets/${ticket}/attachments`)
      .set(...user.auth)
      .send({ file: 'x' });
    expect(json.status).toBe(415);
  });

  it('is 404 for a stranger and 409 on a closed ticket', async () => {
    const ticket = await raise(user);
    const res = await upload(other, ticket, 'x');
    expect(res.status).toBe(404);
    for (const to of ['solved', 'closed']) {
      const moved = await api()
        .post(`/api/v1/tickets/${ticket}/transitions`)
        .set(...agent.auth)
        .send({ to });
      expect(moved.status, moved.text).toBe(200);
    }
    const closed = await upload(user, ticket, 'x');
    expect(closed.status).toBe(409);
    expect(closed.body.code).toBe('ticket_closed');
  });

  it('leaves nothing behind when the client aborts mid-upload', async () => {
    const ticket = await raise(user);
    const server = await env.app.listen();
    const before = await rowCount();
    try {
      const boundary = 'abortBoundary';
      await new Promise<void>((resolve) => {
        const req = httpRequest(`${server.baseUrl}/api/v1/tickets/${ticket}/attachments`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${user.token}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': '60000',
          },
        });
        req.on('error', () => resolve());
        req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n`);
        req.write(randomBytes(20000));
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200);
      });
      await new Promise((r) => setTimeout(r, 300));
      expect(await rowCount()).toBe(before);
    } finally {
      await server.close();
    }
  });
});

describe('attachmentIds on POST /tickets/:id/messages', () => {
  it('binds uploads to the message, lists them, and the message governs who may download', async () => {
    const ticket = await raise(user);
    const a = (await upload(user, ticket, 'first', 'a.txt', 'text/plain')).body;
    const b = (await upload(user, ticket, 'second', 'b.txt', 'text/plain')).body;
    const res = await reply(user, ticket, { attachmentIds: [a.id, b.id] });
    expect(res.status, res.text).toBe(201);
    expect(res.body.attachments).toEqual([
      { id: a.id, filename: 'a.txt', contentType: 'text/plain', size: 5 },
      { id: b.id, filename: 'b.txt', contentType: 'text/plain', size: 6 },
    ]);
    const list = await api()
      .get(`/api/v1/tickets/${ticket}/messages`)
      .set(...user.auth);
    expect(list.body.data.at(-1).attachments).toHaveLength(2);
    expect(list.body.data[0].attachments).toEqual([]);
    // Public message: requester and staff; never another user.
    expect((await fetchFile(user, a.id)).status).toBe(200);
    expect((await fetchFile(agent, a.id)).status).toBe(200);
    expect((await fetchFile(other, a.id)).status).toBe(404);
    // A bound upload cannot be bound again.
    const again = await reply(user, ticket, { attachmentIds: [a.id] });
    expect(again.status).toBe(422);
    expect(again.body.code).toBe('attachment_not_usable');
  });

  it("an internal note's attachment is staff-only", async () => {
    const ticket = await raise(user);
    const up = (await upload(agent, ticket, 'secret', 'note.txt', 'text/plain')).body;
    const res = await reply(agent, ticket, { internal: true, attachmentIds: [up.id] });
    expect(res.status).toBe(201);
    expect((await fetchFile(agent, up.id)).status).toBe(200);
    expect((await fetchFile(user, up.id)).status).toBe(404);
    const list = await api()
      .get(`/api/v1/tickets/${ticket}/messages`)
      .set(...user.auth);
    expect(JSON.stringify(list.body)).not.toContain('note.txt');
  });

  it("a CC downloads the public attachments and uploads with a reply; never an internal note's", async () => {
    const ticket = await raise(user);
    const cc = await signIn(env.app.http, env.db.database, 'user');
    const copied = await api()
      .patch(`/api/v1/tickets/${ticket}`)
      .set(...user.auth)
      .send({ ccs: [cc.email] });
    expect(copied.status, copied.text).toBe(200);
    const pub = (await upload(agent, ticket, 'public', 'public.txt', 'text/plain')).body;
    const note = (await upload(agent, ticket, 'private', 'private.txt', 'text/plain')).body;
    expect((await reply(agent, ticket, { attachmentIds: [pub.id] })).status).toBe(201);
    expect((await reply(agent, ticket, { internal: true, attachmentIds: [note.id] })).status).toBe(201);
    const got = await fetchFile(cc, pub.id);
    expect(got.status).toBe(200);
    expect(got.body.toString()).toBe('public');
    expect((await fetchFile(cc, note.id)).status).toBe(404);
    // A stranger gets neither.
    expect((await fetchFile(other, pub.id)).status).toBe(404);
    // The CC may reply with a file of their own, which the requester then downloads.
    const own = await upload(cc, ticket, 'from the cc', 'cc.txt', 'text/plain');
    expect(own.status, own.text).toBe(201);
    expect((await reply(cc, ticket, { attachmentIds: [own.body.id] })).status).toBe(201);
    expect((await fetchFile(user, own.body.id)).status).toBe(200);
  });

  it("422 for another user's upload, an upload from another ticket, an unknown id, a duplicate; nothing is written", async () => {
    const mine = await raise(user);
    const theirs = await raise(other);
    const otherTicket = await raise(user);
    const agentsUpload = (await upload(agent, mine, 'x')).body.id;
    const fromOtherTicket = (await upload(user, otherTicket, 'x')).body.id;
    const good = (await upload(user, mine, 'x')).body.id;
    const strangersUpload = (await upload(other, theirs, 'x')).body.id;
    const before = await api()
      .get(`/api/v1/tickets/${mine}/messages`)
      .set(...user.auth);
    for (const ids of [[agentsUpload], [fromOtherTicket], ['99999999'], [good, good], [strangersUpload]]) {
      const res = await reply(user, mine, { attachmentIds: ids });
      expect(res.status, JSON.stringify(ids)).toBe(422);
      expect(res.body.code).toBe('attachment_not_usable');
      expect(res.body.errors[0].path).toMatch(/^attachmentIds\.\d$/);
    }
    const after = await api()
      .get(`/api/v1/tickets/${mine}/messages`)
      .set(...user.auth);
    expect(after.body.data).toHaveLength(before.body.data.length);
    // The good one is still unused and usable.
    expect((await reply(user, mine, { attachmentIds: [good] })).status).toBe(201);
  });

  it('at most ATTACHMENT_MAX_PER_MESSAGE per message', async () => {
    const ticket = await raise(user);
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await upload(user, ticket, `f${i}`)).body.id);
    const res = await reply(user, ticket, { attachmentIds: ids });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('validation_failed');
  });

  it('storage down: 503 storage_unavailable, and the message is not created', async () => {
    const ticket = await raise(user);
    const up = (await upload(user, ticket, 'x')).body.id;
    const storage = env.app.deps.storage;
    // A directory that cannot exist (under a file) stands for a store that is down.
    env.app.deps.storage = fileStorage('/dev/null/attachments');
    try {
      const res = await reply(user, ticket, { attachmentIds: [up] });
      expect(res.status).toBe(503);
      expect(res.body.code).toBe('storage_unavailable');
      expect(res.headers['retry-after']).toBeDefined();
      const refused = await upload(user, ticket, 'y');
      expect(refused.status).toBe(503);
      expect(refused.body.code).toBe('storage_unavailable');
    } finally {
      env.app.deps.storage = storage;
    }
    const list = await api()
      .get(`/api/v1/tickets/${ticket}/messages`)
      .set(...user.auth);
    expect(list.body.data).toHaveLength(1);
  });

  it('a row whose bytes are missing is never served (404)', async () => {
    const ticket = await raise(user);
    const up = (await upload(user, ticket, 'gone')).body;
    const [row] = await env.db.database.use((db) =>
      db
        .select()
        .from(attachments)
        .where(eq(attachments.id, Number(up.id))),
    );
    await env.app.deps.storage!.delete(row!.storageKey);
    expect((await fetchFile(user, up.id)).status).toBe(404);
  });
});

describe('emails about a message with attachments', () => {
  it('list each file with its download link, and attach no bytes', async () => {
    const ticket = await raise(user);
    await mail.deliver();
    const up = (await upload(agent, ticket, randomBytes(2048), 'fix <steps>.pdf', 'application/pdf')).body;
    expect((await reply(agent, ticket, { body: 'Steps attached.', attachmentIds: [up.id] })).status).toBe(
      201,
    );
    const mails = (await mail.deliver()).filter((m) => m.to === user.email && /New reply/.test(m.subject));
    expect(mails).toHaveLength(1);
    const link = `${env.app.deps.config.appUrl}/api/v1/attachments/${up.id}`;
    expect(mails[0]!.text).toContain(`fix _steps_.pdf (2.0 KiB): ${link}`);
    expect(mails[0]!.html).toContain(link);
    expect(mails[0]!.html).not.toContain('<steps>');
    expect(mails[0]!.raw.parsed.attachments).toEqual([]);
  });
});

describe('the unused-upload sweep', () => {
  it('deletes unbound uploads older than 24 h, rows and bytes, and keeps bound ones', async () => {
    const ticket = await raise(user);
    const unused = (await upload(user, ticket, 'old')).body.id;
    const used = (await upload(user, ticket, 'kept')).body.id;
    expect((await reply(user, ticket, { attachmentIds: [used] })).status).toBe(201);
    const deps = { ...env.app.deps, logger: env.app.deps.logger };
    env.app.clock.advance(UNUSED_UPLOAD_TTL_MS + 60_000);
    const deleted = await sweepUnusedUploads(deps);
    // Back to now, so the test's access tokens are valid again.
    env.app.clock.advance(-(UNUSED_UPLOAD_TTL_MS + 60_000));
    expect(deleted).toBeGreaterThanOrEqual(1);
    expect((await fetchFile(user, unused)).status).toBe(404);
    expect((await fetchFile(user, used)).status).toBe(200);
    expect((await reply(user, ticket, { attachmentIds: [unused] })).status).toBe(422);
  });
});
