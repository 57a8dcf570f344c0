import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { SatisfactionRating } from '../../../db/schema/index.js';
import { RateLimitedError } from '../../errors.js';
import { serviceContext } from '../../http/context.js';
import type { AppEnv } from '../../http/env.js';
import { enforceRateLimit } from '../auth/index.js';
import {
  CSAT_PATH,
  type CsatRefusal,
  type CsatState,
  MAX_CSAT_TOKEN,
  rateFromLink,
} from '../tickets/index.js';
import { CsatComment, MAX_COMMENT, MAX_FORM_BYTES } from './csat-input.js';
import { checkCsrf, clearCsrf, crossSite, issueCsrf } from './csrf.js';
import { escapeHtml, field, htmlPage } from './html.js';

/** The satisfaction page's path pattern (for the middleware that must know it). */
export const CSAT_PAGE = new RegExp(`^${CSAT_PATH}/[^/]+$`);

const isRating = (v: string | undefined): v is SatisfactionRating => v === 'good' || v === 'bad';
const LABEL: Record<SatisfactionRating, string> = { good: 'Good', bad: 'Bad' };

const REFUSALS: Record<CsatRefusal, { status: 400 | 409 | 410; title: string; text: string }> = {
  invalid: {
    status: 400,
    title: 'This link does not work',
    text: 'The link is incomplete or was altered. Open it again from the email.',
  },
  expired: {
    status: 410,
    title: 'This link has expired',
    text: 'Ratings are taken for a limited time after a ticket is solved.',
  },
  used: {
    status: 410,
    title: 'This link is no longer valid',
    text: 'The ticket was reopened or changed since this email was sent, so this rating link is used up. A new one comes with the next “solved” email.',
  },
  merged: {
    status: 410,
    title: 'This link is no longer valid',
    text: 'The ticket was merged into another one; the conversation continues there.',
  },
  stale_form: {
    status: 409,
    title: 'This form is out of date',
    text: 'Your rating changed after this page was shown (or this form was already sent). Open the link from the email again.',
  },
};

const refusal = (c: Context<AppEnv>, reason: CsatRefusal) => {
  const r = REFUSALS[reason];
  return htmlPage(c, r.status, r.title, `<p>${escapeHtml(r.text)}</p>`);
};

const action = (token: string) => escapeHtml(`${CSAT_PATH}/${encodeURIComponent(token)}`);

/** The form to change the rating and add a comment, bound to `csrf`. */
function form(token: string, rating: SatisfactionRating, comment: string, csrf: string) {
  const radio = (r: SatisfactionRating) =>
    `<label><input type="radio" name="rating" value="${r}"${rating === r ? ' checked' : ''}> ${LABEL[r]}</label>`;
  return `<form method="post" action="${action(token)}">
<input type="hidden" name="csrf" value="${escapeHtml(csrf)}">
<fieldset><legend>Change your rating</legend>
${radio('good')}
${radio('bad')}
</fieldset>
<p><label for="comment">Anything you would like to add? (optional, up to ${MAX_COMMENT} characters)</label><br>
<textarea id="comment" name="comment" rows="5" cols="60" maxlength="${MAX_COMMENT}">${escapeHtml(comment)}</textarea></p>
<p><button type="submit">Send</button></p>
</form>`;
}

/** The rating as recorded, and the form to change it and add a comment. */
const ratedPage = (c: Context<AppEnv>, token: string, state: CsatState, csrf: string) =>
  htmlPage(
    c,
    200,
    'Thank you for your rating',
    `<p>Your rating of ticket #${state.ticket.id} “${escapeHtml(state.ticket.subject)}” is recorded: <strong id="rating">${LABEL[state.rating]}</strong>.</p>
${form(token, state.rating, state.comment ?? '', csrf)}`,
  );

/** Counts the request against the per-address limit of the public pages; a page when over it. */
async function limited(c: Context<AppEnv>): Promise<Response | null> {
  try {
    await enforceRateLimit(serviceContext(c), 'csat');
    return null;
  } catch (err) {
    if (!(err instanceof RateLimitedError)) throw err;
    c.header('Retry-After', String(err.retryAfterSeconds));
    return htmlPage(
      c,
      429,
      'Too many requests',
      '<p>Too many requests; wait a few minutes and try again.</p>',
    );
  }
}

/**
 * GET /csat/<token>?rating=good|bad records the rating (a click in the email is the whole answer) and
 * shows the form for an optional comment; POST takes the form. No login: the token is the authority
 * (tickets/satisfaction.ts); the form is CSRF-protected (csrf.ts). Every failure is a small HTML page
 * with a 4xx status.
 */
export function csatPages(app: Hono<AppEnv>) {
  app.get(`${CSAT_PATH}/:token`, async (c) => {
    const over = await limited(c);
    if (over) return over;
    const token = c.req.param('token');
    if (token.length > MAX_CSAT_TOKEN) return refusal(c, 'invalid');
    const rating = c.req.query('rating');
    if (!isRating(rating)) {
      return htmlPage(
        c,
        400,
        'Pick a rating',
        '<p>A rating is either good or bad. Use one of the two links from the email.</p>',
      );
    }
    // Link checkers (mail scanners, previews) often ask with HEAD first: only a GET records a rating.
    if (c.req.method === 'HEAD') return htmlPage(c, 200, 'Rate your ticket', '');
    const outcome = await rateFromLink(serviceContext(c), { token, rating });
    if (!outcome.ok) return refusal(c, outcome.reason);
    const csrf = await issueCsrf(c, c.get('deps').config, token, outcome.ratedAtMs);
    return ratedPage(c, token, outcome, csrf);
  });

  app.post(
    `${CSAT_PATH}/:token`,
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: (c) => {
        c.header('Connection', 'close');
        return htmlPage(c, 413, 'Too long', `<p>A comment can be up to ${MAX_COMMENT} characters.</p>`);
      },
    }),
    async (c) => {
      const config = c.get('deps').config;
      if (crossSite(c, config)) return forbidden(c);
      const over = await limited(c);
      if (over) return over;
      const token = c.req.param('token');
      if (token.length > MAX_CSAT_TOKEN) return refusal(c, 'invalid');
      const body = await c.req.parseBody();
      const csrfField = field(body, 'csrf');
      const csrf = await checkCsrf(c, config, token, csrfField);
      if (!csrf) return forbidden(c);
      const rating = field(body, 'rating');
      if (!isRating(rating)) {
        return htmlPage(c, 400, 'Pick a rating', '<p>A rating is either good or bad.</p>');
      }
      const comment = CsatComment.safeParse(field(body, 'comment'));
      if (!comment.success) {
        const message = comment.error.issues[0]?.message ?? 'is not valid';
        const typed = { rating, comment: field(body, 'comment') };
        return commentRefused(c, token, typed, csrfField, `The comment ${message}.`);
      }
      const outcome = await rateFromLink(serviceContext(c), {
        token,
        rating,
        comment: comment.data,
        shownAtMs: csrf.shownAtMs,
      });
      if (!outcome.ok) return refusal(c, outcome.reason);
      clearCsrf(c);
      return htmlPage(
        c,
        200,
        'Thank you for your feedback',
        `<p>Your rating of ticket #${outcome.ticket.id} “${escapeHtml(outcome.ticket.subject)}”: <strong id="rating">${LABEL[outcome.rating]}</strong>.</p>
${outcome.comment ? `<p>Your comment:</p><blockquote id="comment">${escapeHtml(outcome.comment).replace(/\n/g, '<br>')}</blockquote>` : ''}
<p>You can close this page.</p>`,
      );
    },
  );
}

const forbidden = (c: Context<AppEnv>) =>
  htmlPage(
    c,
    403,
    'This form cannot be sent',
    '<p>The form was not sent from its own page, or the page is too old. Open the link from the email again.</p>',
  );

/** A comment that is not acceptable: the form again, as typed, with what is wrong (nothing is stored). */
function commentRefused(
  c: Context<AppEnv>,
  token: string,
  typed: { rating: SatisfactionRating; comment: string },
  csrf: string,
  error: string,
) {
  const comment = typed.comment.length > MAX_COMMENT * 2 ? '' : typed.comment;
  return htmlPage(
    c,
    422,
    'Your comment was not sent',
    `<p role="alert"><strong>${escapeHtml(error)}</strong></p>
${form(token, typed.rating, comment, csrf)}`,
  );
}
