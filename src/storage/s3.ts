import { AwsClient } from 'aws4fetch';
import { PART_SIZE, partsOf } from './parts.js';
import { assertKey, type StorageDriver, StorageUnavailableError } from './types.js';

export interface S3Options {
  bucket: string;
  /** `https://<account>.r2.cloudflarestorage.com`, `http://127.0.0.1:4568`, …; AWS when absent. */
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * Parses `s3://bucket?endpoint=…&region=…` (credentials in the userinfo, or from `S3_ACCESS_KEY_ID` /
 * `S3_SECRET_ACCESS_KEY`, which win). Returns an error message instead of throwing; never echoes a secret.
 */
export function parseS3Url(
  raw: string,
  env: { accessKeyId?: string; secretAccessKey?: string },
): S3Options | string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be a URL like s3://bucket?endpoint=https://…&region=auto';
  }
  const bucket = url.hostname;
  if (url.protocol !== 's3:' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    return 'must name a bucket: s3://<bucket>?endpoint=…&region=…';
  }
  const region = url.searchParams.get('region') ?? 'us-east-1';
  const endpointParam = url.searchParams.get('endpoint');
  const endpoint = (endpointParam ?? `https://s3.${region}.amazonaws.com`).replace(/\/+$/, '');
  try {
    const e = new URL(endpoint);
    if (e.protocol !== 'https:' && e.protocol !== 'http:') throw new Error();
  } catch {
    return 'endpoint= must be an http(s) URL';
  }
  const accessKeyId = env.accessKeyId || decodeURIComponent(url.username);
  const secretAccessKey = env.secretAccessKey || decodeURIComponent(url.password);
  if (!accessKeyId || !secretAccessKey) {
    return 'needs credentials: set S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY (or put them in the URL)';
  }
  return { bucket, endpoint, region, accessKeyId, secretAccessKey };
}

/** How long a call that is not streaming a body may take. */
const CALL_TIMEOUT_MS = 10_000;

/**
 * Any S3-compatible store (AWS S3, R2's S3 API, MinIO, s3rver) over its HTTP API, signed with aws4fetch
 * (runs on Node and Workers alike). Path-style URLs: `<endpoint>/<bucket>/<key>`.
 */
export function s3Storage(options: S3Options): StorageDriver {
  const client = new AwsClient({
    accessKeyId: options.accessKeyId,
    secretAccessKey: options.secretAccessKey,
    service: 's3',
    region: options.region,
  });
  const base = `${options.endpoint}/${encodeURIComponent(options.bucket)}`;
  const urlOf = (key: string, query = '') => {
    assertKey(key);
    return `${base}/${key}${query}`;
  };
  /** A signed call; a network failure or a 5xx is the store being unavailable, never a secret in a message. */
  const call = async (url: string, init: RequestInit & { timeout?: boolean }, what: string) => {
    let res: Response;
    try {
      res = await client.fetch(url, {
        ...init,
        signal: init.timeout === false ? undefined : AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (err) {
      throw new StorageUnavailableError(`s3: ${what} failed`, { cause: err });
    }
    return res;
  };
  const expectOk = async (res: Response, what: string) => {
    if (res.ok) return;
    const text = await res.text().catch(() => '');
    const code = /<Code>([^<]{1,100})<\/Code>/.exec(text)?.[1] ?? '';
    throw new StorageUnavailableError(`s3: ${what} answered ${res.status} ${code}`.trim());
  };

  async function multipart(key: string, first: Uint8Array, rest: AsyncGenerator<Uint8Array>) {
    const created = await call(urlOf(key, '?uploads'), { method: 'POST' }, 'create multipart upload');
    await expectOk(created, 'create multipart upload');
    const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(await created.text())?.[1];
    if (!uploadId) throw new StorageUnavailableError('s3: no UploadId in the answer');
    const q = (extra: string) => `?${extra}uploadId=${encodeURIComponent(uploadId)}`;
    const etags: string[] = [];
    try {
      let part: Uint8Array | undefined = first;
      while (part) {
        const n = etags.length + 1;
        const res = await call(
          urlOf(key, q(`partNumber=${n}&`)),
          { method: 'PUT', body: part },
          'upload part',
        );
        await expectOk(res, 'upload part');
        etags.push(res.headers.get('etag') ?? '');
        const next = await rest.next();
        part = next.done ? undefined : next.value;
      }
      const xml = `<CompleteMultipartUpload>${etags
        .map((e, i) => `<Part><PartNumber>${i + 1}</PartNumber><ETag>${e}</ETag></Part>`)
        .join('')}</CompleteMultipartUpload>`;
      const done = await call(urlOf(key, q('')), { method: 'POST', body: xml }, 'complete multipart upload');
      await expectOk(done, 'complete multipart upload');
      // S3 may answer 200 with an error document for a failed completion.
      const text = await done.text();
      if (text.includes('<Error>')) throw new StorageUnavailableError('s3: multipart completion failed');
    } catch (err) {
      await call(urlOf(key, q('')), { method: 'DELETE' }, 'abort multipart upload').catch(() => {});
      throw err;
    }
  }

  return {
    kind: 's3',
    async put(key, body) {
      const parts = partsOf(body, PART_SIZE);
      try {
        const first = await parts.next();
        const firstPart = first.done ? new Uint8Array(0) : first.value;
        const second = await parts.next();
        if (second.done) {
          const res = await call(urlOf(key), { method: 'PUT', body: firstPart }, 'put');
          await expectOk(res, 'put');
          return;
        }
        // Two parts in hand: the first is sent, then each next one as it fills.
        await multipart(
          key,
          firstPart,
          (async function* () {
            yield second.value;
            yield* parts;
          })(),
        );
      } catch (err) {
        await parts.return(undefined).catch(() => {});
        await body.cancel(err).catch(() => {});
        throw err;
      }
    },
    async get(key) {
      const res = await call(urlOf(key), { method: 'GET', timeout: false }, 'get');
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      await expectOk(res, 'get');
      const size = Number(res.headers.get('content-length'));
      if (!res.body || !Number.isFinite(size)) throw new StorageUnavailableError('s3: get without a length');
      return { body: res.body, size };
    },
    async delete(key) {
      const res = await call(urlOf(key), { method: 'DELETE' }, 'delete');
      if (res.status === 404) return;
      await expectOk(res, 'delete');
    },
    async health() {
      const res = await call(base, { method: 'HEAD' }, 'health check');
      await res.body?.cancel();
      if (!res.ok) throw new StorageUnavailableError(`s3: bucket answered ${res.status}`);
    },
  };
}
