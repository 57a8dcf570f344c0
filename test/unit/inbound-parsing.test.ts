import { describe, expect, it } from 'vitest';
import { automaticReason } from '../../src/modules/inbound/classify.js';
import { decodeEntities, htmlToText } from '../../src/modules/inbound/html-text.js';
import {
  type InboundMail,
  MalformedMailError,
  PARSE_BYTES,
  parseMail,
} from '../../src/modules/inbound/parse.js';
import { stripReply } from '../../src/modules/inbound/strip.js';
import {
  inboundRecipient,
  replyAddress,
  replyToken,
  verifyReplyToken,
} from '../../src/modules/notifications/reply-address.js';

const SECRET = 'unit-secret-that-is-at-least-32-bytes-long!';
const INBOUND = { local: 'support', domain: 'help.example.test' };

describe('signed reply tokens', () => {
  it('round-trip the ticket and the recipient; upper case (a relay) still verifies', async () => {
    const token = await replyToken(SECRET, 1042, 77);
    expect(token).toMatch(/^[0-9a-z]+-[0-9a-z]+-[a-z2-7]{16}$/);
    expect(await verifyReplyToken(SECRET, token)).toEqual({ ticketId: 1042, userId: 77 });
    expect(await verifyReplyToken(SECRET, token.toUpperCase())).toEqual({ ticketId: 1042, userId: 77 });
    expect(await replyAddress(SECRET, INBOUND, 1042, 77)).toBe(`support+${token}@help.example.test`);
  });

  it('refuse a changed id, a changed signature, another secret, non-canonical ids and junk', async () => {
    const token = await replyToken(SECRET, 1042, 77);
    const [t, u, sig] = token.split('-') as [string, string, string];
    const other = await replyToken(SECRET, 1043, 77);
    const forged = [
      `${(1043).toString(36)}-${u}-${sig}`,
      `${t}-${(78).toString(36)}-${sig}`,
      `${t}-${u}-${sig.slice(0, -1)}${sig.endsWith('a') ? 'b' : 'a'}`,
      `${t}-${u}-${other.split('-')[2]}`,
      `0${t}-${u}-${sig}`,
      `${t}-${u}-${sig}x`,
      `${t}-${u}`,
      '',
      '0-0-aaaaaaaaaaaaaaaa',
      'x'.repeat(100_000),
    ];
    for (const f of forged) expect(await verifyReplyToken(SECRET, f), f.slice(0, 40)).toBeNull();
    expect(await verifyReplyToken('another-secret-that-is-32-bytes-long!!', token)).toBeNull();
  });

  it('recognise only the inbound mailbox and its +token variants', () => {
    expect(inboundRecipient('support@help.example.test', INBOUND)).toEqual({ token: null });
    expect(inboundRecipient('SUPPORT+Ab-C@HELP.example.test', INBOUND)).toEqual({ token: 'ab-c' });
    for (const a of [
      'other@help.example.test',
      'support@evil.test',
      'supportx+a@help.example.test',
      'support@help.example.test.evil',
      '@help.example.test',
      `${'a'.repeat(400)}@help.example.test`,
    ]) {
      expect(inboundRecipient(a, INBOUND), a.slice(0, 40)).toBeNull();
    }
  });
});

describe('stripping quoted history and signatures', () => {
  const cases: [string, string, string][] = [
    ['Gmail attribution', 'Fixed.\n\nOn Tue, 3 Mar 2026 at 10:00, Ada <a@b.c> wrote:\n> old', 'Fixed.'],
    [
      'wrapped attribution',
      'Fixed.\n\nOn Tue, 3 Mar 2026 at 10:00, Helpdesk <h@b.c>\nwrote:\n> old',
      'Fixed.',
    ],
    ['German', 'Geht.\n\nAm 03.03.2026 um 10:00 schrieb Ada <a@b.c>:\n> alt', 'Geht.'],
    ['French', 'Ok.\n\nLe mar. 3 mars 2026 à 10:00, Ada <a@b.c> a écrit :\n> vieux', 'Ok.'],
    ['Outlook separator', 'Yes.\n\n-----Original Message-----\nFrom: x', 'Yes.'],
    ['Outlook underscores', 'Yes.\n\n________________________________\nFrom: x\nSent: y', 'Yes.'],
    ['Outlook header block', 'Yes.\n\nFrom: Helpdesk <h@b.c>\nSent: Tuesday\nTo: me', 'Yes.'],
    ['signature', 'Thanks.\n-- \nAda Lovelace\nAnalytical Engines Ltd', 'Thanks.'],
    ['mobile footer', 'Thanks.\n\nSent from my iPhone', 'Thanks.'],
    ['trailing quote', 'Answer.\n\n> question\n>\n', 'Answer.'],
    [
      'inline replies kept',
      '> Which model?\nLaserJet 4.\n> Since when?\nMonday.',
      '> Which model?\nLaserJet 4.\n> Since when?\nMonday.',
    ],
    ['CRLF', 'Fine.\r\n\r\nOn Mon, Ada wrote:\r\n> x', 'Fine.'],
    ['a line that only starts like one', 'On second thought, it works.', 'On second thought, it works.'],
  ];
  for (const [name, input, expected] of cases) {
    it(name, () => expect(stripReply(input)).toBe(expected));
  }
});

describe('HTML to text', () => {
  it('keeps words and lines, drops markup, scripts, styles, comments and the quoted history', () => {
    expect(
      htmlToText(
        '<html><head><title>t</title><style>p{}</style></head><body><script>alert(1)</script><p>Hi &amp; <b>bye</b></p>' +
          '<div>Line<br>two</div><!-- x --><div class="gmail_quote">On … wrote:<blockquote>old</blockquote></div></body></html>',
      ),
    ).toBe('Hi & bye\n\nLine\ntwo');
    expect(htmlToText('<p>a</p><blockquote type="cite">quoted</blockquote>')).toBe('a');
    expect(htmlToText('<div id="divRplyFwdMsg">From: x</div>')).toBe('');
  });

  it('decodes entities, leaving unknown or unterminated ones alone', () => {
    expect(decodeEntities('&lt;&#65;&#x42;&nbsp;&bogus; & &amp')).toBe('<AB &bogus; & &amp');
    expect(decodeEntities('&#0;&#xD800;&#99999999;')).toBe('&#0;&#xD800;&#99999999;');
  });
});

describe('machine mail', () => {
  const mail = (headers: Record<string, string>, over: Partial<InboundMail> = {}): InboundMail => ({
    messageId: '<x@y>',
    from: 'ada@example.test',
    fromName: '',
    recipients: [],
    subject: '',
    body: '',
    inReplyTo: [],
    references: [],
    attachmentNames: [],
    attachments: [],
    headers: new Map(Object.entries(headers)),
    contentType: '',
    truncatedBytes: 0,
    ...over,
  });
  it('names why, or null for a person', () => {
    expect(automaticReason(mail({}), 'ada@example.test', 'help.test')).toBeNull();
    expect(automaticReason(mail({ 'auto-submitted': 'no' }), null, 'help.test')).toBeNull();
    expect(automaticReason(mail({ 'auto-submitted': 'auto-replied' }), null, 'help.test')).toMatch(
      /Auto-Submitted/,
    );
    expect(automaticReason(mail({ precedence: 'Bulk' }), null, 'help.test')).toMatch(/Precedence/);
    expect(automaticReason(mail({ 'x-helpdesk-origin': 'a.test' }), null, 'help.test')).toMatch(/helpdesk/);
    expect(automaticReason(mail({ 'list-id': '<l>' }), null, 'help.test')).toMatch(/list/);
    expect(
      automaticReason(
        mail({}, { contentType: 'multipart/report; report-type=delivery-status' }),
        null,
        'help.test',
      ),
    ).toMatch(/report/);
    expect(automaticReason(mail({}), '', 'help.test')).toBe('null sender');
    expect(automaticReason(mail({}, { from: 'mailer-daemon@mx.test' }), null, 'help.test')).toMatch(
      /mailer-daemon/,
    );
    expect(
      automaticReason(
        mail({}, { messageId: '<ticket.created.0123456789abcdef01234567@help.test>' }),
        null,
        'help.test',
      ),
    ).toMatch(/own/);
  });
});

describe('parsing', () => {
  it('refuses a header bomb; binary junk parses to a mail with no sender (rejected by the pipeline)', async () => {
    const junk = await parseMail(new Uint8Array([0, 1, 2, 255, 254]));
    expect(junk).toMatchObject({ from: null, body: '', recipients: [] });
    const bomb = `${Array.from({ length: 20_000 }, (_, i) => `X-Junk-${i}: ${'v'.repeat(20)}`).join('\r\n')}\r\n\r\nbody`;
    await expect(parseMail(bomb)).rejects.toBeInstanceOf(MalformedMailError);
  });

  it('a message without a Message-ID gets a stable stand-in from its bytes', async () => {
    const raw = 'From: a@b.test\r\nSubject: x\r\n\r\nhi\r\n';
    const [a, b] = await Promise.all([parseMail(raw), parseMail(raw)]);
    expect(a.messageId).toMatch(/^<sha256\.[0-9a-f]{64}@inbound\.invalid>$/);
    expect(b.messageId).toBe(a.messageId);
  });

  it('strips control characters and lone surrogates from subject and body', async () => {
    const m = await parseMail(
      'From: a@b.test\r\nSubject: a\u0007b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nx\u0000y\uD800z\r\n',
    );
    expect(m.subject).toBe('ab');
    expect(m.body).toBe('xy\uFFFDz');
  });
});

/**
 * Worst-case inputs (the pattern of test/unit/worst-case-input.test.ts): each parser and pattern that
 * sees inbound mail, on the largest hostile input of its kind, within a generous bound. A quadratic
 * path is orders of magnitude over it at these sizes.
 */
// Looser than worst-case-input.test.ts: these run whole-mail passes on a shared, busy machine; a quadratic
// path on 1 MiB is still hours, not seconds.
const BOUND_MS = 1500;
const MIB = 1024 * 1024;
const run = (unit: string, size: number, tail = '') =>
  unit.repeat(Math.ceil(size / unit.length)).slice(0, size) + tail;

async function timed(fn: (input: string) => unknown, worst: string, bound = BOUND_MS): Promise<void> {
  await fn('warm up');
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3 && best >= bound; i++) {
    const started = performance.now();
    await fn(worst);
    best = Math.min(best, performance.now() - started);
    if (best >= 10 * bound) break;
  }
  expect(best, `${best.toFixed(0)} ms on ${worst.length} characters`).toBeLessThan(bound);
}

describe('worst-case inbound input', () => {
  const strippers: [string, string][] = [
    ['attribution-like lines without "wrote:"', run('On and on and on and on\n', MIB)],
    ['"From:" lines without "Sent:"', run('From: x\n', MIB)],
    ['one huge line of spaces', run(' ', MIB, 'x')],
    ['a megabyte of quote markers', run('>\n', MIB)],
    ['long lines ending almost in "wrote"', run(`On ${'w'.repeat(390)}wrot\n`, MIB)],
  ];
  for (const [name, input] of strippers) it(`stripReply: ${name}`, () => timed(stripReply, input));

  const html: [string, string][] = [
    ['ampersands without semicolons', run('&', MIB)],
    ['ampersands and almost-entities', run('&#x1234567', MIB)],
    ['unclosed tags', run('<', MIB)],
    ['tags that never close, then one that does', run('<a', MIB, '>')],
    ['an unclosed comment', `<!--${run('-', MIB)}`],
    ['an unclosed script', `<script>${run('<b>', MIB)}`],
    ['deeply nested divs', run('<div>', MIB)],
    ['attributes full of quote markers', run('<div class="gmail', MIB)],
  ];
  for (const [name, input] of html) it(`htmlToText: ${name}`, () => timed(htmlToText, input));

  it('verifyReplyToken on a megabyte of token-like text', () =>
    timed((s) => verifyReplyToken(SECRET, s), run('a1-', MIB)));
  it('inboundRecipient on a megabyte address', () =>
    timed((s) => inboundRecipient(s, INBOUND), run('+', MIB, '@help.example.test')));

  it('parseMail: 4 MiB of References and a 4 MiB subject', () =>
    timed(
      (s) => parseMail(s).catch(() => null),
      `From: a@b.test\r\nReferences: ${run('<a@b> ', 4 * MIB)}\r\nSubject: ${run('=?utf-8?q?a?= ', 100_000)}\r\n\r\nbody`,
      4000,
    ));
  it('parseMail: 4 MiB of HTML-only ampersands', () =>
    timed(
      (s) => parseMail(s),
      `From: a@b.test\r\nContent-Type: text/html\r\n\r\n${run('&amp', 4 * MIB)}`,
      4000,
    ));
});

describe('attachment content', () => {
  const mailWith = (files: { name: string; base64: string }[]) =>
    [
      'From: a@example.test',
      'To: support@example.test',
      'Subject: files',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="B"',
      '',
      '--B',
      'Content-Type: text/plain',
      '',
      'See files.',
      ...files.flatMap((f) => [
        '--B',
        `Content-Type: application/octet-stream; name="${f.name}"`,
        `Content-Disposition: attachment; filename="${f.name}"`,
        'Content-Transfer-Encoding: base64',
        '',
        ...(f.base64.match(/.{1,76}/g) ?? []),
      ]),
      '--B--',
      '',
    ].join('\r\n');

  it('keeps each file’s bytes, in the order of their names', async () => {
    const mail = await parseMail(
      mailWith([{ name: 'a.bin', base64: Buffer.from('hello').toString('base64') }]),
    );
    expect(mail.attachmentNames).toEqual(['a.bin']);
    expect(mail.attachments).toHaveLength(1);
    expect(Buffer.from(mail.attachments[0]!.content).toString()).toBe('hello');
    expect(mail.attachments[0]!.cut).toBe(false);
  });

  it('marks the file the 4 MiB parse limit cut as cut', async () => {
    const big = Buffer.alloc(PARSE_BYTES, 7).toString('base64');
    const mail = await parseMail(
      mailWith([
        { name: 'small.bin', base64: Buffer.from('x').toString('base64') },
        { name: 'big.bin', base64: big },
      ]),
    );
    expect(mail.truncatedBytes).toBeGreaterThan(0);
    expect(mail.attachments.map((a) => [a.filename, a.cut])).toEqual([
      ['small.bin', false],
      ['big.bin', true],
    ]);
    expect(mail.attachments[1]!.content.byteLength).toBeLessThan(PARSE_BYTES);
  });
});
