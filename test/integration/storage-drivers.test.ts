import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileStorage } from '../../src/storage/file.js';
import { parseStorageUrl, s3Storage } from '../../src/storage/index.js';
import { describeStorageDriver } from '../helpers/storage-suite.js';

// The shared driver suite on the file system (a temp dir) and on S3 (s3rver, a local S3-compatible
// server started here on 127.0.0.1). R2 runs the same suite in Miniflare: test/parity/attachments.test.ts.

describeStorageDriver(
  'file',
  () => fileStorage(mkdtempSync(join(tmpdir(), 'helpdesk-driver-'))),
  // Under /dev/null nothing can be created: a disk that refuses every write.
  () => fileStorage('/dev/null/attachments'),
);

let s3: S3rver;
let endpoint = '';
beforeAll(async () => {
  s3 = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: mkdtempSync(join(tmpdir(), 'helpdesk-s3rver-')),
    configureBuckets: [{ name: 'attachments', configs: [] }],
  });
  const address = (await s3.run()) as AddressInfo;
  endpoint = `http://127.0.0.1:${address.port}`;
});
afterAll(() => s3?.close());

const s3Url = (base: string) => `s3://attachments?endpoint=${encodeURIComponent(base)}&region=us-east-1`;
function s3From(url: string) {
  const location = parseStorageUrl(url, { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' });
  if (typeof location === 'string' || location.kind !== 's3') throw new Error(String(location));
  return s3Storage(location.options);
}

describeStorageDriver(
  's3 (s3rver)',
  () => s3From(s3Url(endpoint)),
  // A port nothing listens on.
  () => s3From(s3Url('http://127.0.0.1:9')),
);

describe('STORAGE_URL', () => {
  it('parses file: and s3:// URLs, takes credentials from env or userinfo, never echoes a secret', () => {
    expect(parseStorageUrl('file:///var/lib/att', {})).toEqual({ kind: 'file', dir: '/var/lib/att' });
    expect(parseStorageUrl('file:.data/attachments', {})).toEqual({ kind: 'file', dir: '.data/attachments' });
    const withUser = parseStorageUrl(
      's3://AKID:s3cr3t@my-bucket?endpoint=https://x.r2.cloudflarestorage.com&region=auto',
      {},
    );
    expect(withUser).toMatchObject({
      kind: 's3',
      options: {
        bucket: 'my-bucket',
        endpoint: 'https://x.r2.cloudflarestorage.com',
        region: 'auto',
        accessKeyId: 'AKID',
      },
    });
    const fromEnv = parseStorageUrl('s3://b-1?region=eu-west-1', { accessKeyId: 'A', secretAccessKey: 'S' });
    expect(fromEnv).toMatchObject({ options: { endpoint: 'https://s3.eu-west-1.amazonaws.com' } });
    for (const bad of ['s3://', 's3://B_ucket', 'http://x', 's3://bucket?endpoint=ftp://x']) {
      expect(typeof parseStorageUrl(bad, { accessKeyId: 'A', secretAccessKey: 'S' }), bad).toBe('string');
    }
    const noCreds = parseStorageUrl('s3://bucket', {});
    expect(noCreds).toMatch(/S3_ACCESS_KEY_ID/);
    const message = String(parseStorageUrl('s3://AKID:s3cr3t@B_ad', {}));
    expect(message).not.toContain('s3cr3t');
  });
});
