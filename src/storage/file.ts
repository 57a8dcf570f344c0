import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertKey, type StorageDriver, StorageUnavailableError } from './types.js';

const isNotFound = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

/**
 * The file-system driver (Node): one file per key, fanned out over 256 directories by the key's first
 * two characters. A write goes to `<key>.part` and is renamed into place once complete, so a reader never
 * sees half a file and an aborted write leaves nothing under the key (the `.part` is removed).
 * Only for a single instance: a second instance does not see the first one's disk.
 */
export function fileStorage(dir: string): StorageDriver {
  const pathOf = (key: string) => {
    assertKey(key);
    return join(dir, key.slice(0, 2), key);
  };
  const unavailable = (what: string, err: unknown) =>
    new StorageUnavailableError(`file storage: ${what} failed`, { cause: err });
  return {
    kind: 'file',
    async put(key, body) {
      const path = pathOf(key);
      const part = `${path}.part`;
      try {
        await mkdir(join(dir, key.slice(0, 2)), { recursive: true });
      } catch (err) {
        await body.cancel().catch(() => {});
        throw unavailable('mkdir', err);
      }
      // The body is read through a wrapper that remembers its own failure: an aborted upload or a size
      // limit goes up as it is, a disk failure as the store being unavailable.
      let bodyError: { error: unknown } | null = null;
      const reader = body.getReader();
      const source = new Readable({
        async read() {
          try {
            const { done, value } = await reader.read();
            this.push(done ? null : value);
          } catch (error) {
            bodyError = { error };
            this.destroy(error instanceof Error ? error : new Error(String(error)));
          }
        },
      });
      try {
        await pipeline(source, createWriteStream(part, { flags: 'wx' }));
        await rename(part, path);
      } catch (err) {
        await rm(part, { force: true }).catch(() => {});
        if (bodyError) throw (bodyError as { error: unknown }).error;
        await reader.cancel(err).catch(() => {});
        throw unavailable('write', err);
      }
    },
    async get(key) {
      const path = pathOf(key);
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (err) {
        if (isNotFound(err)) return null;
        throw unavailable('stat', err);
      }
      const stream = createReadStream(path);
      return { size, body: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array> };
    },
    async delete(key) {
      try {
        await rm(pathOf(key), { force: true });
      } catch (err) {
        throw unavailable('delete', err);
      }
    },
    async health() {
      try {
        await mkdir(dir, { recursive: true });
        await stat(dir);
      } catch (err) {
        throw unavailable('health check', err);
      }
    },
  };
}
