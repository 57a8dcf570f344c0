import { resolve } from 'node:path';
import type { Config } from '../config.js';
import { fileStorage } from './file.js';
import { parseStorageUrl } from './index.js';
import { s3Storage } from './s3.js';
import type { StorageDriver } from './types.js';

/** Where Node keeps attachments when STORAGE_URL is unset (relative to the working directory). */
export const DEFAULT_FILE_DIR = '.data/attachments';

/**
 * The Node entry's driver: STORAGE_URL's (`file:` or `s3://`), else the file system under
 * `.data/attachments`. Returns an error message (never holding a secret) for a URL it cannot use.
 */
export function nodeStorage(config: Config['attachments']): StorageDriver | string {
  const url = config.storageUrl ?? `file:${DEFAULT_FILE_DIR}`;
  const location = parseStorageUrl(url, config.s3);
  if (typeof location === 'string') return `STORAGE_URL ${location}`;
  if (location.kind === 's3') return s3Storage(location.options);
  return fileStorage(resolve(location.dir));
}
