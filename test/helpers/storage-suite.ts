import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  PART_SIZE,
  randomKey,
  type StorageDriver,
  StorageUnavailableError,
} from '../../src/storage/index.js';

/** A stream of `bytes` in chunks of `chunk` bytes (as a request body arrives). */
export function streamOf(bytes: Uint8Array, chunk = 64 * 1024): ReadableStream<Uint8Array> {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

/** A stream that yields `before` bytes, then fails as an aborted upload does. */
function failingStream(before: number, error: Error): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(randomBytes(before));
        return;
      }
      controller.error(error);
    },
  });
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream as unknown as AsyncIterable<Uint8Array>) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/**
 * The one test suite every storage driver passes (file system, S3 against s3rver, R2 in Miniflare):
 * `driver()` gives the driver under test, `down()` one whose store cannot be reached.
 */
export function describeStorageDriver(
  name: string,
  driver: () => StorageDriver,
  down: () => StorageDriver,
): void {
  describe(`storage driver: ${name}`, () => {
    it('answers health', async () => {
      await expect(driver().health()).resolves.toBeUndefined();
    });

    it('stores and returns bytes with their size; a missing key is null', async () => {
      const d = driver();
      const key = randomKey();
      const bytes = randomBytes(100_000);
      await d.put(key, streamOf(bytes, 7_000));
      const got = await d.get(key);
      expect(got?.size).toBe(bytes.length);
      expect(sha(await readAll(got!.body))).toBe(sha(bytes));
      expect(await d.get(randomKey())).toBeNull();
    });

    it('stores an empty body', async () => {
      const d = driver();
      const key = randomKey();
      await d.put(key, streamOf(new Uint8Array(0)));
      const got = await d.get(key);
      expect(got?.size).toBe(0);
      await got?.body.cancel();
    });

    it('stores a body longer than one part (multipart on object stores)', async () => {
      const d = driver();
      const key = randomKey();
      const bytes = randomBytes(PART_SIZE + 300_000);
      await d.put(key, streamOf(bytes, 256 * 1024));
      const got = await d.get(key);
      expect(got?.size).toBe(bytes.length);
      expect(sha(await readAll(got!.body))).toBe(sha(bytes));
      await d.delete(key);
    });

    it('deletes (and deleting nothing is fine)', async () => {
      const d = driver();
      const key = randomKey();
      await d.put(key, streamOf(randomBytes(10)));
      await d.delete(key);
      expect(await d.get(key)).toBeNull();
      await expect(d.delete(key)).resolves.toBeUndefined();
    });

    it('a body that fails mid-way (an aborted upload) rethrows its error and leaves nothing', async () => {
      const d = driver();
      for (const before of [1_000, PART_SIZE + 1_000]) {
        const key = randomKey();
        const aborted = new Error('client went away');
        await expect(d.put(key, failingStream(before, aborted))).rejects.toBe(aborted);
        expect(await d.get(key)).toBeNull();
      }
    });

    it('refuses a key it did not make', async () => {
      await expect(driver().get('../../etc/passwd')).rejects.toThrow();
    });

    it('a store that cannot be reached is StorageUnavailableError (503), on every call', async () => {
      const d = down();
      await expect(d.health()).rejects.toBeInstanceOf(StorageUnavailableError);
      await expect(d.put(randomKey(), streamOf(randomBytes(10)))).rejects.toBeInstanceOf(
        StorageUnavailableError,
      );
      await expect(d.get(randomKey())).rejects.toBeInstanceOf(StorageUnavailableError);
    });
  });
}
