import { type AttachmentSubject, abilityOf, authorize, type MessageSubject } from '../../access/index.js';
import { actorApiKeyId, actorUserId, requireActor, type ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import {
  ConflictError,
  NotFoundError,
  PayloadTooLargeError,
  UnprocessableError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../../errors.js';
import { readableView } from '../tickets/index.js';
import { boundaryOf, MAX_OTHER_BYTES, MultipartReader, malformed } from './multipart.js';
import * as repo from './repo.js';
import { type Attachment, type AttachmentRef, toAttachmentRef } from './schemas.js';
import { storageOf, storeAttachment } from './store.js';

/** What the upload route hands over: the raw request, never parsed or buffered by the framework. */
export interface UploadRequest {
  contentType: string | undefined;
  contentLength: string | undefined;
  body: ReadableStream<Uint8Array> | null;
}

/** Room for the multipart framing around the file (boundaries, part headers, small extra fields). */
const FRAMING_BYTES = 64 * 1024;

/**
 * `POST /tickets/{id}/attachments`: streams the `file` part of a multipart body into storage (hashing
 * as it goes) and records it as the caller's unbound upload on the ticket. Whoever may reply to the
 * ticket may upload (404 for anyone who cannot see it, 409 on a closed ticket).
 */
export async function upload(ctx: ServiceContext, ticketId: number, req: UploadRequest): Promise<Attachment> {
  const ability = abilityOf(ctx);
  // Whether the caller writes messages at all (an API key needs tickets:write: 403 insufficient_scope).
  authorize(ability, 'create', 'Message');
  const view = await readableView(ctx, ticketId);
  const reply = (internal: boolean): MessageSubject => ({
    kind: 'Message',
    ticketRequesterId: view.ticket.requesterId,
    ticketCcIds: view.ccs.map((cc) => cc.id),
    internal,
  });
  if (!ability.can('create', reply(false)) && !ability.can('create', reply(true))) {
    throw new NotFoundError('ticket', ticketId);
  }
  if (view.ticket.status === 'closed') {
    throw new ConflictError('ticket_closed', 'This ticket is closed; raise a new ticket instead.');
  }
  const maxBytes = ctx.config.attachments.maxBytes;
  // A declared length that cannot fit is refused before a byte is read.
  const declared = Number(req.contentLength);
  if (req.contentLength !== undefined && Number.isFinite(declared) && declared > maxBytes + FRAMING_BYTES) {
    throw new PayloadTooLargeError(maxBytes, 'The file');
  }
  const boundary = boundaryOf(req.contentType);
  if (boundary === null) {
    if ((req.contentType ?? '').toLowerCase().startsWith('multipart/form-data')) {
      throw malformed('the Content-Type has no usable boundary');
    }
    throw new UnsupportedMediaTypeError('Send the file as multipart/form-data, in a field named `file`.');
  }
  if (!req.body) throw new ValidationError([{ path: 'file', message: 'a file is required' }]);
  storageOf(ctx);
  const parts = new MultipartReader(req.body, boundary);
  try {
    let skipped = 0;
    for (;;) {
      const part = await parts.nextPart();
      if (!part) break;
      if (part.name === 'file') {
        return await storeAttachment(ctx, {
          ticketId: view.ticket.id,
          filename: part.filename,
          contentType: part.contentType,
          body: new ReadableStream<Uint8Array>({
            async pull(controller) {
              const chunk = await parts.read();
              if (chunk === null) controller.close();
              else controller.enqueue(chunk);
            },
          }),
          uploaderId: actorUserId(requireActor(ctx)),
          uploaderApiKeyId: actorApiKeyId(requireActor(ctx)),
        });
      }
      // Another field: read and dropped, within a small budget.
      for (let chunk = await parts.read(); chunk; chunk = await parts.read()) {
        skipped += chunk.length;
        if (skipped > MAX_OTHER_BYTES) throw malformed('fields other than `file` are too large');
      }
    }
    throw new ValidationError([{ path: 'file', message: 'a file is required (multipart field `file`)' }]);
  } finally {
    // The rest of the body (after the file, or after an error) is not read.
    await parts.cancel();
  }
}

/** A download: the attachment's metadata and a stream of its bytes. */
export interface Download {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  body: ReadableStream<Uint8Array> | null;
}

/**
 * `GET /attachments/{id}`: 404 unless the caller may see the attachment's message (an unbound upload:
 * only its uploader). `ifNoneMatch`: the bytes are not fetched when the client has them (`body: null`).
 * A row whose bytes are missing from the store (or of another length) is never served: 404, logged.
 */
export async function download(ctx: ServiceContext, id: number, ifNoneMatch?: string): Promise<Download> {
  // Whether the caller reads attachments at all (an API key needs tickets:read: 403 insufficient_scope).
  authorize(abilityOf(ctx), 'read', 'Attachment');
  const found = await repo.findWithContext(ctx.db, id);
  const subject = (f: NonNullable<typeof found>): AttachmentSubject => ({
    kind: 'Attachment',
    ticketRequesterId: f.ticketRequesterId,
    ticketCcIds: f.ticketCcIds ? f.ticketCcIds.split(',').map(Number) : [],
    bound: f.attachment.messageId !== null,
    internal: f.internal ?? false,
    uploaderId: f.attachment.uploaderId,
  });
  if (!found || !abilityOf(ctx).can('read', subject(found))) throw new NotFoundError('attachment', id);
  const a = found.attachment;
  const meta = { filename: a.filename, contentType: a.contentType, size: a.size, sha256: a.sha256 };
  if (ifNoneMatch?.split(',').some((t) => t.trim() === `"${a.sha256}"`)) {
    return { ...meta, body: null };
  }
  const object = await storageOf(ctx).get(a.storageKey);
  if (object?.size !== a.size) {
    await object?.body.cancel().catch(() => {});
    ctx.log.error({ attachmentId: a.id, found: object !== null }, 'attachment bytes missing from storage');
    throw new NotFoundError('attachment', id);
  }
  return { ...meta, body: object.body };
}

/**
 * Makes uploads part of a message, inside the message's transaction: each id must be `uploaderId`'s
 * unbound upload on `ticketId` (else 422 `attachment_not_usable`, naming the entry), at most
 * ATTACHMENT_MAX_PER_MESSAGE of them (else 422 `validation_failed`). Returns them, in the order given.
 */
export async function bindAttachments(
  tx: Queryable,
  ctx: ServiceContext,
  input: {
    ticketId: number;
    messageId: number;
    uploaderId: number | null;
    /** A key's message binds the key's own uploads. */
    uploaderApiKeyId?: number | null;
    ids: number[];
  },
): Promise<AttachmentRef[]> {
  const { ids } = input;
  if (ids.length === 0) return [];
  const max = ctx.config.attachments.maxPerMessage;
  if (ids.length > max) {
    throw new ValidationError([{ path: 'attachmentIds', message: `at most ${max} attachments per message` }]);
  }
  const rows = new Map((await repo.lockForBinding(tx, ids)).map((r) => [r.id, r]));
  const errors = ids.flatMap((id, i) => {
    const r = rows.get(id);
    const usable =
      r &&
      r.ticketId === input.ticketId &&
      ((input.uploaderId !== null && r.uploaderId === input.uploaderId) ||
        (input.uploaderApiKeyId != null && r.uploaderApiKeyId === input.uploaderApiKeyId)) &&
      r.messageId === null &&
      ids.indexOf(id) === i;
    // One message for every reason: another user's upload must not be told apart from no upload.
    return usable ? [] : [{ path: `attachmentIds.${i}`, message: 'not your unused upload on this ticket' }];
  });
  if (errors.length > 0) {
    throw new UnprocessableError(
      'attachment_not_usable',
      'An attachment id is not your unused upload on this ticket.',
      { errors },
    );
  }
  await repo.bindToMessage(tx, ids, input.messageId);
  return ids.map((id) => toAttachmentRef(rows.get(id)!));
}

/** The attachments of each message, for the Message representation (empty lists for none). */
export async function attachmentsOf(
  db: Queryable,
  messageIds: number[],
): Promise<Map<number, AttachmentRef[]>> {
  const out = new Map<number, AttachmentRef[]>(messageIds.map((id) => [id, []]));
  if (messageIds.length === 0) return out;
  for (const row of await repo.ofMessages(db, messageIds)) {
    if (row.messageId !== null) out.get(row.messageId)?.push(toAttachmentRef(row));
  }
  return out;
}

/**
 * Before a message binds uploads: 503 if the store does not answer, so no message points at files that
 * cannot be served right now (their bytes were written before their rows).
 */
export async function ensureStorage(ctx: ServiceContext): Promise<void> {
  await storageOf(ctx).health();
}
