import { ServiceUnavailableError } from '../errors.js';

/**
 * Where attachment bytes live: one small interface, three drivers (file system on Node, any S3-compatible
 * store through its HTTP API, a Cloudflare R2 binding on Workers), chosen once by the entry from
 * `STORAGE_URL` or the Worker's binding. Nothing above this layer knows which one it has.
 *
 * Keys are chosen by the caller (random, never a user's filename); drivers treat them as opaque.
 */
export interface StoredObject {
  body: ReadableStream<Uint8Array>;
  size: number;
}

export interface StorageDriver {
  /** `file`, `s3` or `r2`: for logs and the README, never for a decision above this layer. */
  readonly kind: string;
  /**
   * Writes `body` under `key`. `size` is a hint (the exact length when known). If `body` errors (an
   * aborted upload, a size limit hit), the error is rethrown and nothing is left under `key`.
   * Throws `StorageUnavailableError` when the store cannot be reached.
   */
  put(key: string, body: ReadableStream<Uint8Array>, size?: number): Promise<void>;
  /** The object, or null if there is none under `key`. */
  get(key: string): Promise<StoredObject | null>;
  /** Removes the object; a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Resolves when the store answers; throws `StorageUnavailableError` otherwise. */
  health(): Promise<void>;
}

/**
 * The store could not be reached or failed: the API answers 503 `storage_unavailable` (with
 * `Retry-After`). The message is for the log (`cause` holds the driver's error); the client gets a fixed one.
 */
export class StorageUnavailableError extends ServiceUnavailableError {
  constructor(
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super('The file store is unavailable; try again shortly.', 'storage_unavailable');
    if (options) this.cause = options.cause;
  }
}

/** Random object key: 32 hex characters from 16 random bytes. */
export function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Keys are ours (see randomKey): refusing anything else keeps a bug from ever naming a path. */
export const VALID_KEY = /^[0-9a-f]{32}$/;

export function assertKey(key: string): void {
  if (!VALID_KEY.test(key)) throw new Error('invalid storage key');
}
