import { PART_SIZE, partsOf } from './parts.js';
import { assertKey, type StorageDriver, StorageUnavailableError } from './types.js';

/** The parts of a Workers R2 binding this driver uses (the full type is in @cloudflare/workers-types). */
export interface R2BucketLike {
  put(key: string, value: Uint8Array | ArrayBuffer | string | null): Promise<unknown>;
  get(key: string): Promise<{ body: ReadableStream<Uint8Array>; size: number } | null>;
  delete(key: string): Promise<void>;
  head(key: string): Promise<unknown>;
  createMultipartUpload(key: string): Promise<{
    uploadPart(n: number, value: Uint8Array): Promise<{ partNumber: number; etag: string }>;
    complete(parts: { partNumber: number; etag: string }[]): Promise<unknown>;
    abort(): Promise<void>;
  }>;
}

/** Whether a Worker env value looks like an R2 binding. */
export const isR2Binding = (value: unknown): value is R2BucketLike =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as R2BucketLike).put === 'function' &&
  typeof (value as R2BucketLike).createMultipartUpload === 'function';

const unavailable = (what: string, err: unknown) =>
  new StorageUnavailableError(`r2: ${what} failed`, { cause: err });

/** A binding call: whatever it throws is the store being unavailable. */
async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw unavailable(what, err);
  }
}

/**
 * The R2 binding on Workers (wrangler.toml `[[r2_buckets]]`, binding `ATTACHMENTS`). R2's `put` takes a
 * stream only of known length, so bodies go in parts as for S3 (one part: one put; more: multipart).
 */
export function r2Storage(bucket: R2BucketLike): StorageDriver {
  return {
    kind: 'r2',
    async put(key, body) {
      assertKey(key);
      const parts = partsOf(body, PART_SIZE);
      const first = await parts.next();
      const firstPart = first.done ? new Uint8Array(0) : first.value;
      const second = await parts.next();
      if (second.done) {
        try {
          await bucket.put(key, firstPart);
        } catch (err) {
          throw unavailable('put', err);
        }
        return;
      }
      let upload: Awaited<ReturnType<R2BucketLike['createMultipartUpload']>>;
      try {
        upload = await bucket.createMultipartUpload(key);
      } catch (err) {
        throw unavailable('create multipart upload', err);
      }
      const done: { partNumber: number; etag: string }[] = [];
      const part = (n: number, bytes: Uint8Array) =>
        call('upload part', () => upload.uploadPart(n, bytes)).then((p) => done.push(p));
      try {
        await part(1, firstPart);
        await part(2, second.value);
        // A body error (an abort, a size limit) comes out of the loop as it is.
        for await (const bytes of parts) await part(done.length + 1, bytes);
        await call('complete multipart upload', () => upload.complete(done));
      } catch (err) {
        await upload.abort().catch(() => {});
        throw err;
      }
    },
    async get(key) {
      assertKey(key);
      let object: Awaited<ReturnType<R2BucketLike['get']>>;
      try {
        object = await bucket.get(key);
      } catch (err) {
        throw unavailable('get', err);
      }
      return object ? { body: object.body, size: object.size } : null;
    },
    async delete(key) {
      assertKey(key);
      try {
        await bucket.delete(key);
      } catch (err) {
        throw unavailable('delete', err);
      }
    },
    async health() {
      try {
        await bucket.head('00000000000000000000000000000000');
      } catch (err) {
        throw unavailable('health check', err);
      }
    },
  };
}
