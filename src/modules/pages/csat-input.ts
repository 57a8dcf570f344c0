import { z } from '@hono/zod-openapi';
import { multiLine } from '../../http/text.js';

/** The longest comment the satisfaction form takes, in characters. */
export const MAX_COMMENT = 2000;

/**
 * The biggest form body: a comment of MAX_COMMENT characters of 4-byte UTF-8, percent-encoded (3 bytes
 * per byte), plus the other fields. Anything bigger is refused (413) before it is read in full.
 */
export const MAX_FORM_BYTES = 32 * 1024;

/**
 * The optional comment: trimmed; line breaks and tabs kept (CRLF folded), other control characters, bidi
 * overrides and unpaired surrogates refused (422), as for message bodies. Empty means "no comment".
 */
export const CsatComment = multiLine(
  z
    .string()
    .trim()
    .max(MAX_COMMENT, { message: `must be at most ${MAX_COMMENT} characters`, abort: true }),
);
