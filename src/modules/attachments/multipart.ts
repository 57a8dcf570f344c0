import { Buffer } from 'node:buffer';
import { BadRequestError } from '../../errors.js';

/**
 * A streaming multipart/form-data reader (RFC 7578), written for this one job: find the `file` part of an
 * upload and hand its bytes on as they arrive, never holding the whole file. Memory is bounded by one
 * incoming chunk plus the delimiter's length (a chunk is split where a delimiter might begin), and by
 * `MAX_HEADER_BYTES` for a part's headers. Searching uses `indexOf` on bytes (linear), no regex on the
 * body, so hostile input costs time proportional to its length (see test/unit/worst-case-input.test.ts).
 */
export const MAX_HEADER_BYTES = 16 * 1024;
/** Non-file fields and the preamble are read and dropped, up to this much in all. */
export const MAX_OTHER_BYTES = 64 * 1024;

const CRLF = new Uint8Array([13, 10]);
const HEADER_END = new Uint8Array([13, 10, 13, 10]);
const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

export const malformed = (detail: string) =>
  new BadRequestError('malformed_multipart', `The multipart body is malformed: ${detail}.`);

/** The boundary of a `multipart/form-data` Content-Type, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType) return null;
  const [type, ...params] = contentType.split(';');
  if (type?.trim().toLowerCase() !== 'multipart/form-data') return null;
  for (const p of params) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    if (p.slice(0, eq).trim().toLowerCase() !== 'boundary') continue;
    let value = p.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    // RFC 2046: 1–70 characters from a small set.
    return /^[0-9A-Za-z'()+_,\-./:=? ]{1,70}$/.test(value) && !value.endsWith(' ') ? value : null;
  }
  return null;
}

/**
 * Byte search, by Node's native `Buffer#indexOf` (also on Workers, under nodejs_compat): a view, no
 * copy. Linear in practice; at worst proportional to the haystack times the needle (≤ 74 bytes).
 */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  return Buffer.from(haystack.buffer, haystack.byteOffset, haystack.byteLength).indexOf(needle, from);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

export interface PartHeaders {
  name: string | null;
  filename: string | null;
  contentType: string | null;
}

/** Reads `name`, `filename` and `Content-Type` from a part's header block (already bounded in size). */
export function parsePartHeaders(block: string): PartHeaders {
  const out: PartHeaders = { name: null, filename: null, contentType: null };
  for (const line of block.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const field = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (field === 'content-type') out.contentType = value;
    else if (field === 'content-disposition') {
      const params = dispositionParams(value);
      out.name = params.get('name') ?? null;
      out.filename = params.get('filename*') ?? params.get('filename') ?? null;
    }
  }
  return out;
}

/** `form-data; name="file"; filename="a b.png"`: a single left-to-right scan, quoted strings honoured. */
function dispositionParams(value: string): Map<string, string> {
  const params = new Map<string, string>();
  let i = value.indexOf(';');
  while (i >= 0 && i < value.length) {
    i++;
    while (value[i] === ' ' || value[i] === '\t') i++;
    const eq = value.indexOf('=', i);
    if (eq < 0) break;
    const key = value.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    let v = '';
    if (value[j] === '"') {
      j++;
      while (j < value.length && value[j] !== '"') {
        if (value[j] === '\\' && j + 1 < value.length) j++;
        v += value[j];
        j++;
      }
      j++;
    } else {
      const end = value.indexOf(';', j);
      v = value.slice(j, end < 0 ? value.length : end).trim();
      j = end < 0 ? value.length : end;
    }
    if (key === 'filename*') {
      // RFC 5987: charset'lang'percent-encoded
      const m = /^([\w-]*)'[\w-]*'(.*)$/.exec(v);
      if (m) {
        try {
          v = decodeURIComponent(m[2]!);
        } catch {
          v = m[2]!;
        }
      }
    }
    if (!params.has(key)) params.set(key, v);
    i = value.indexOf(';', j);
  }
  return params;
}

/**
 * Pulls parts out of a multipart body. Call `nextPart()` for each part's headers (null after the closing
 * delimiter), then `read()` for its body's chunks until it returns null. A part left unread is skipped.
 */
export class MultipartReader {
  private buf: Uint8Array;
  private readonly delimiter: Uint8Array;
  private state: 'preamble' | 'headers' | 'body' | 'done' = 'preamble';
  private ended = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(body: ReadableStream<Uint8Array>, boundary: string) {
    this.reader = body.getReader();
    this.delimiter = encoder.encode(`\r\n--${boundary}`);
    // The body may start with the delimiter itself (no CRLF before it): pretend one was there.
    this.buf = CRLF;
  }

  private async fill(): Promise<boolean> {
    if (this.ended) return false;
    const { done, value } = await this.reader.read();
    if (done) {
      this.ended = true;
      return false;
    }
    this.buf = concat(this.buf, value);
    return true;
  }

  /** Where `needle` starts in the buffer, reading more as needed; 400 once `limit` bytes have not held it. */
  private async find(needle: Uint8Array, limit: number, tooLong: string): Promise<number> {
    for (;;) {
      const at = indexOf(this.buf, needle);
      if (at >= 0) return at;
      if (this.buf.length > limit) throw malformed(tooLong);
      if (!(await this.fill())) throw malformed('the body ends too early');
    }
  }

  /** Skips to the next part; its headers, or null once the body's closing delimiter is read. */
  async nextPart(): Promise<PartHeaders | null> {
    if (this.state === 'done') return null;
    let skipped = 0;
    // Drop whatever is left of the current part (or the preamble) up to the next delimiter.
    if (this.state === 'body' || this.state === 'preamble') {
      for (;;) {
        const at = indexOf(this.buf, this.delimiter);
        if (at >= 0) {
          this.buf = this.buf.subarray(at + this.delimiter.length);
          break;
        }
        const keep = Math.max(0, this.buf.length - this.delimiter.length + 1);
        skipped += keep;
        if (this.state === 'preamble' && skipped > MAX_OTHER_BYTES) throw malformed('no boundary found');
        this.buf = this.buf.subarray(keep);
        if (!(await this.fill())) throw malformed('the body ends before its closing boundary');
      }
    }
    // After a delimiter: `--` closes the body, else optional whitespace and CRLF start a part.
    while (this.buf.length < 2) if (!(await this.fill())) throw malformed('truncated after a boundary');
    if (this.buf[0] === 45 && this.buf[1] === 45) {
      this.state = 'done';
      await this.reader.cancel().catch(() => {});
      return null;
    }
    const lineEnd = await this.find(CRLF, 256, 'junk after a boundary');
    if (lineEnd > 0 && !/^[ \t]*$/.test(decoder.decode(this.buf.subarray(0, lineEnd)))) {
      throw malformed('junk after a boundary');
    }
    this.buf = this.buf.subarray(lineEnd + 2);
    this.state = 'headers';
    while (this.buf.length < 2) if (!(await this.fill())) throw malformed('truncated part headers');
    // A part without headers starts with the blank line at once.
    const end =
      this.buf[0] === 13 && this.buf[1] === 10
        ? -2
        : await this.find(HEADER_END, MAX_HEADER_BYTES, 'part headers too long');
    if (end > MAX_HEADER_BYTES) throw malformed('part headers too long');
    const block = end < 0 ? '' : decoder.decode(this.buf.subarray(0, end));
    this.buf = this.buf.subarray(end < 0 ? 2 : end + 4);
    this.state = 'body';
    return parsePartHeaders(block);
  }

  /** The next chunk of the current part's body, or null at its end. */
  async read(): Promise<Uint8Array | null> {
    if (this.state !== 'body') return null;
    for (;;) {
      const at = indexOf(this.buf, this.delimiter);
      if (at >= 0) {
        // The part ends here; the delimiter stays for nextPart() (and every later read() is null).
        if (at === 0) return null;
        const chunk = this.buf.subarray(0, at);
        this.buf = this.buf.subarray(at);
        return chunk;
      }
      // Everything but a possible start of the delimiter can go out now.
      const safe = this.buf.length - this.delimiter.length + 1;
      if (safe > 0) {
        const chunk = this.buf.subarray(0, safe);
        this.buf = this.buf.subarray(safe);
        // Keep a copy of the tail so the caller may hold on to the chunk it got.
        this.buf = this.buf.slice();
        return chunk;
      }
      if (!(await this.fill())) throw malformed('the body ends inside a part');
    }
  }

  /** Stops reading (the rest of the request body is discarded). */
  async cancel(reason?: unknown): Promise<void> {
    this.state = 'done';
    await this.reader.cancel(reason).catch(() => {});
  }
}
