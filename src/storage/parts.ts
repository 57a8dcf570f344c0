/**
 * Object stores (S3, R2) take a body of known length, and the length of a streamed upload is known only
 * at its end. So their drivers cut the stream into fixed-size parts, holding one part in memory at a time
 * (bounded buffering): a body that fits in one part is one PUT, a longer one a multipart upload whose parts
 * are all `PART_SIZE` but the last (S3 wants ≥ 5 MiB but the last, R2 equal sizes but the last).
 */
export const PART_SIZE = 8 * 1024 * 1024;

/** Yields `body` as parts of exactly `size` bytes (the last may be shorter, never empty unless the body is). */
export async function* partsOf(
  body: ReadableStream<Uint8Array>,
  size = PART_SIZE,
): AsyncGenerator<Uint8Array, void, undefined> {
  const reader = body.getReader();
  let part = new Uint8Array(size);
  let filled = 0;
  let yielded = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      let offset = 0;
      while (offset < value.length) {
        const n = Math.min(size - filled, value.length - offset);
        part.set(value.subarray(offset, offset + n), filled);
        filled += n;
        offset += n;
        if (filled === size) {
          yield part;
          yielded = true;
          part = new Uint8Array(size);
          filled = 0;
        }
      }
    }
    if (filled > 0 || !yielded) yield part.subarray(0, filled);
  } finally {
    reader.releaseLock();
  }
}
