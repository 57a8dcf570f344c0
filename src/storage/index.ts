// Attachment storage: the driver interface and the drivers that run everywhere (S3 API, R2 binding). The
// file-system driver (`./file.js`) is Node-only and imported by the Node entry and the tests directly.
export { PART_SIZE } from './parts.js';
export { isR2Binding, type R2BucketLike, r2Storage } from './r2.js';
export { parseS3Url, type S3Options, s3Storage } from './s3.js';
export * from './types.js';

import { parseS3Url, type S3Options } from './s3.js';

export type StorageLocation = { kind: 'file'; dir: string } | { kind: 's3'; options: S3Options };

/**
 * What `STORAGE_URL` names: `file:///abs/dir` (or `file:./relative/dir`) or
 * `s3://bucket?endpoint=…&region=…`. An error message (never containing a secret) when it names neither.
 */
export function parseStorageUrl(
  raw: string,
  env: { accessKeyId?: string; secretAccessKey?: string },
): StorageLocation | string {
  if (raw.startsWith('s3://')) {
    const s3 = parseS3Url(raw, env);
    return typeof s3 === 'string' ? s3 : { kind: 's3', options: s3 };
  }
  if (raw.startsWith('file:')) {
    // file:///abs/path, or file:relative/path (resolved against the working directory by the entry).
    const rest = raw.slice('file:'.length);
    const dir = rest.startsWith('//') ? decodeURIComponent(rest.slice(2)) : decodeURIComponent(rest);
    if (!dir || dir.includes('\0')) return 'file: URL must name a directory, e.g. file:///var/lib/helpdesk';
    return { kind: 'file', dir };
  }
  return 'must start with file: or s3:// (e.g. file:///var/lib/helpdesk/attachments)';
}
