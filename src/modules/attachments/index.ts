// Attachments: uploads to a ticket, bound to a message by `attachmentIds`, downloaded as the message is
// visible; the bytes go through the storage driver (src/storage). Also what the inbound mail pipeline
// uses: `storeAttachment` (no HTTP) then `bindAttachments` in the message's transaction.

export { attachmentRoutes } from './routes.js';
export { AttachmentRef } from './schemas.js';
export { attachmentsOf, bindAttachments, ensureStorage } from './service.js';
export { type StoreInput, storeAttachment } from './store.js';
export { startUploadSweepLoop, sweepUnusedUploads, UNUSED_UPLOAD_TTL_MS } from './sweep.js';
