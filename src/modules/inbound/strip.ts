/**
 * Cuts the quoted history and the signature off a plain-text reply, keeping what the person wrote.
 * Written here rather than taken from `email-reply-parser` (whose patterns are not linear-time on hostile
 * input without `re2`, a native module Workers cannot load): it works line by line, each line looked at
 * through a bounded prefix with anchored, backtracking-free patterns, so it is linear in the mail's size.
 *
 * Where a reply ends:
 * - an attribution line: `On Tue, 3 Mar 2026 at 10:00, Ada <ada@example.com> wrote:` (Gmail, Apple Mail,
 *   Thunderbird; possibly wrapped onto a second line), and its German/French/Spanish/Dutch forms;
 * - Outlook's separators: `-----Original Message-----`, a line of underscores, or a `From:` line
 *   followed within two lines by `Sent:`/`Date:`;
 * - the signature delimiter `-- ` and the mobile footers (`Sent from my iPhone`, `Get Outlook for …`);
 * and a trailing block of `>` lines is quoted history too. Inline replies between quotes are kept.
 */

/** How much of a line the patterns look at: attribution lines are short; a 1 MB line is not one. */
const PREFIX = 400;

const ATTRIBUTION_START = /^(on|am|le|el|op|il)\s/i;
const ATTRIBUTION_END = /(wrote|a écrit|escribió|ha scritto)\s?:\s*$/i;
/** German and Dutch put the name between the verb and the colon: `Am … schrieb Ada <a@b.c>:`. */
const VERB_FIRST = /schrieb|schreef/i;
const endsAttribution = (line: string) =>
  ATTRIBUTION_END.test(line) || (line.endsWith(':') && VERB_FIRST.test(line));
const OUTLOOK_SEPARATOR =
  /^(-{2,}\s*(original message|ursprüngliche nachricht|message d'origine)\s*-{2,}|_{20,})\s*$/i;
const HEADER_FROM = /^\*?(from|von|de|van)\s?:\*?\s/i;
const HEADER_SENT = /^\*?(sent|date|gesendet|envoyé|enviado|datum)\s?:\*?\s/i;
const MOBILE_FOOTER = /^(sent from my |get outlook for |sent from (mail|outlook) for )/i;

function cutAt(lines: string[]): number {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.slice(0, PREFIX).trim();
    if (line === '') continue;
    if (ATTRIBUTION_START.test(line)) {
      if (endsAttribution(line)) return i;
      const next = lines[i + 1]?.slice(0, PREFIX).trim() ?? '';
      if (endsAttribution(next)) return i;
    }
    if (OUTLOOK_SEPARATOR.test(line)) return i;
    if (HEADER_FROM.test(line)) {
      for (let j = i + 1; j <= i + 2 && j < lines.length; j++) {
        if (HEADER_SENT.test(lines[j]!.slice(0, PREFIX).trim())) return i;
      }
    }
    if (lines[i] === '-- ' || lines[i] === '--') return i;
    if (MOBILE_FOOTER.test(line)) return i;
  }
  return lines.length;
}

/** The new part of a plain-text reply: quoted history and signature removed, outer blank lines trimmed. */
export function stripReply(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  let end = cutAt(lines);
  // A trailing quoted block (and the blank lines around it) is history, whatever introduced it.
  while (end > 0) {
    const line = lines[end - 1]!.trimStart();
    if (line === '' || line.startsWith('>')) end--;
    else break;
  }
  return lines.slice(0, end).join('\n').trim();
}
