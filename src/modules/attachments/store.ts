import { createHash } from 'node:crypto';
import type { ServiceContext } from '../../context.js';
import { PayloadTooLargeError, ValidationError } from '../../errors.js';
import { randomKey, type StorageDriver, StorageUnavailableError } from '../../storage/index.js';
import { allowedContentType, sanitizeFilename } from './filename.js';
import { insertAttachment } from './repo.js';
import { type Attachment, toAttachment } from './schemas.js';

/** The storage driver of the context, or 503 when none is configured. */
export function storageOf(ctx: ServiceContext): StorageDriver {
  if (!ctx.storage) throw new StorageUnavailableError('no storage configured');
  return ctx.storage;
}

/**
 * Wraps a byte source as a stream that counts and hashes what passes through and errors with 413 once
 * more than `maxBytes` have come: the storage driver then discards what it wrote.
 */
export function measured(source: () => Promise<Uint8Array | null>, maxBytes: number) {
  const hash = createHash('sha256');
  const result = { size: 0, sha256: '' };
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await source();
      if (chunk === null) {
        result.sha256 = hash.digest('hex');
        controller.close();
        return;
      }
      result.size += chunk.length;
      if (result.size > maxBytes) {
        throw new PayloadTooLargeError(maxBytes, 'The file');
      }
      hash.update(chunk);
      controller.enqueue(chunk);
    },
  });
  return { stream, result };
}

export interface StoreInput {
  ticketId: number;
  /** As the sender named it; sanitised here. */
  filename: string | null;
  /** As the sender claimed it; stored only if on the allow-list. */
  contentType: string | null;
  /** The bytes, streamed or in hand. */
  body: ReadableStream<Uint8Array> | Uint8Array;
  /** The person the upload belongs to (who may bind it); null for none. */
  uploaderId: number | null;
  /** The API key the upload belongs to, when a key uploaded it (who may bind it); default none. */
  uploaderApiKeyId?: number | null;
}

/**
 * Stores a file as an unbound upload of a ticket, without asking who may: the caller has decided that
 * (the upload route asks "may reply"; the inbound mail pipeline has matched the sender). Bytes are
 * written first, then the row; if the row cannot be written the bytes are deleted again. An empty file
 * is refused (422), one over ATTACHMENT_MAX_BYTES is 413, a store that fails is 503.
 * Bind the upload to a message with `bindAttachments` in the message's transaction.
 */
export async function storeAttachment(ctx: ServiceContext, input: StoreInput): Promise<Attachment> {
  const storage = storageOf(ctx);
  const maxBytes = ctx.config.attachments.maxBytes;
  let source: () => Promise<Uint8Array | null>;
  if (input.body instanceof Uint8Array) {
    let bytes: Uint8Array | null = input.body;
    source = async () => {
      const b = bytes;
      bytes = null;
      return b;
    };
  } else {
    const reader = input.body.getReader();
    source = async () => {
      const { done, value } = await reader.read();
      return done ? null : value;
    };
  }
  const { stream, result } = measured(source, maxBytes);
  const key = randomKey();
  await storage.put(key, stream);
  try {
    if (result.size === 0) {
      throw new ValidationError([{ path: 'file', message: 'the file is empty' }]);
    }
    const row = {
      ticketId: input.ticketId,
      uploaderId: input.uploaderId,
      uploaderApiKeyId: input.uploaderApiKeyId ?? null,
      storageKey: key,
      filename: sanitizeFilename(input.filename),
      contentType: allowedContentType(input.contentType),
      size: result.size,
      sha256: result.sha256,
      createdAt: ctx.clock.now(),
    };
    const id = await insertAttachment(ctx.db, row);
    return toAttachment({ id, ...row });
  } catch (err) {
    await storage
      .delete(key)
      .catch((e: unknown) => ctx.log.warn({ err: e }, 'could not delete upload bytes'));
    throw err;
  }
}
