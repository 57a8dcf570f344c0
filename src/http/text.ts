import type { z } from '@hono/zod-openapi';

/**
 * Refinements for the free-text fields of request bodies. A JSON string may hold things that are not text:
 * an unpaired UTF-16 surrogate (`"a\ud800"`) is no Unicode character, so MariaDB's JSON check on the audit
 * trail refuses it (a 500 before these checks); control and invisible formatting characters in a name or
 * subject land in the header-like lines of plain-text emails (a forged line after a CR/LF, a sender name
 * reversed by U+202E). Each is a 422 with a message that says what is wrong. Every pattern is one
 * character class (or two), so each check is a single linear pass.
 */

const UNPAIRED_SURROGATE = /\p{Cs}/u;

/**
 * Not allowed in a one-line field (names, subjects, reasons): every control character (C0 and C1, so CR, LF
 * and tab too), the line and paragraph separators, and the invisible format characters (zero-width space,
 * LRM/RLM, bidi embeddings, overrides and isolates, word joiner, BOM, soft hyphen …) — all but ZWNJ and
 * ZWJ (U+200C, U+200D), which Persian and Indic scripts and emoji sequences need to be spelled right.
 */
const NOT_IN_LINE = /[\p{Cc}\p{Zl}\p{Zp}]|(?![\u200C\u200D])\p{Cf}/u;

/**
 * Not allowed in a message body: C0 controls other than tab and line feed (a CR is folded into the line
 * break before this check), DEL, C1 controls, and the bidi embeddings, overrides and isolates that make a
 * plain-text email display something other than what was written ("Trojan Source"). Other format
 * characters stay: LRM/RLM, ZWJ and ZWNJ are everyday parts of right-to-left and Indic text.
 */
const NOT_IN_BODY = /(?![\t\n])\p{Cc}|[\u202A-\u202E\u2066-\u2069]/u;

export const UNPAIRED_SURROGATE_MESSAGE = 'must be valid Unicode text (it holds an unpaired surrogate)';
export const LINE_MESSAGE =
  'must be a single line without control or invisible formatting characters (such as U+200B or U+202E)';
export const BODY_MESSAGE =
  'must not contain control characters other than tab and line feed, or bidi override and isolate characters';

/** Any string field: refuses unpaired surrogates. */
export const wellFormed = (s: z.ZodString): z.ZodString =>
  s.refine((v) => !UNPAIRED_SURROGATE.test(v), UNPAIRED_SURROGATE_MESSAGE);

/** Names, subjects, reasons: well-formed, one line, nothing invisible. */
export const singleLine = (s: z.ZodString): z.ZodString =>
  wellFormed(s).refine((v) => !NOT_IN_LINE.test(v), LINE_MESSAGE);

/**
 * Message bodies: CRLF and lone CR become LF (what every mail client sends is kept, in one form), then
 * well-formed, tab and line breaks allowed, other controls and bidi overrides refused.
 */
export const multiLine = (s: z.ZodString): z.ZodString =>
  wellFormed(s.overwrite((v) => v.replace(/\r\n?/g, '\n'))).refine((v) => !NOT_IN_BODY.test(v), BODY_MESSAGE);
