import { Hono } from 'hono';
import { BadRequestError, RateLimitedError } from '../../errors.js';
import { serviceContext } from '../../http/context.js';
import type { AppEnv } from '../../http/env.js';
import { confirmPasswordReset, RESET_PASSWORD_PAGE, VERIFY_EMAIL_PAGE, verifyEmail } from '../auth/index.js';
import { Password } from '../users/index.js';
import { csatPages } from './csat.js';
import { escapeHtml, field, htmlPage } from './html.js';

/** The root paths of the pages, which take form posts (not JSON) and need a database handle. */
export const PAGE_PATHS = [VERIFY_EMAIL_PAGE, RESET_PASSWORD_PAGE] as const;

const MAX_TOKEN = 2000;
const tokenField = (token: string) => `<input type="hidden" name="token" value="${escapeHtml(token)}">`;

/** Runs a verb for a page; the expected failures become a page, anything else goes to the error mapper. */
async function attempt(run: () => Promise<void>): Promise<{ ok: true } | { ok: false; status: 400 | 429 }> {
  try {
    await run();
    return { ok: true };
  } catch (err) {
    if (err instanceof BadRequestError) return { ok: false, status: 400 };
    if (err instanceof RateLimitedError) return { ok: false, status: 429 };
    throw err;
  }
}

/**
 * GET /verify-email only shows a button: mail scanners fetch links in incoming mail, and a GET that
 * verified would let a scanner verify an address on behalf of whoever registered it, which is the very
 * thing verification prevents. The POST (a plain same-origin form carrying the token, which is the
 * secret; no cookies are involved, so there is nothing for another site to forge) does the work.
 */
function verifyEmailPages(app: Hono<AppEnv>) {
  app.get(VERIFY_EMAIL_PAGE, (c) => {
    const token = c.req.query('token') ?? '';
    if (!token || token.length > MAX_TOKEN) {
      return htmlPage(
        c,
        400,
        'Verify your email address',
        '<p>This link is incomplete. Open the link from the verification email again.</p>',
      );
    }
    return htmlPage(
      c,
      200,
      'Verify your email address',
      `<p>Confirm that this email address is yours.</p>
<form method="post" action="${VERIFY_EMAIL_PAGE}">
${tokenField(token)}
<button type="submit">Confirm my email address</button>
</form>`,
    );
  });
  app.post(VERIFY_EMAIL_PAGE, async (c) => {
    const token = field(await c.req.parseBody(), 'token');
    const result =
      token && token.length <= MAX_TOKEN
        ? await attempt(() => verifyEmail(serviceContext(c), { token }))
        : ({ ok: false, status: 400 } as const);
    if (result.ok) {
      return htmlPage(
        c,
        200,
        'Email address verified',
        '<p>Thank you: your email address is verified. You can close this page.</p>',
      );
    }
    return htmlPage(
      c,
      result.status,
      'This link does not work',
      '<p>The link has already been used, has expired, or is incomplete. If your address is not verified yet, ask for a new link from the app.</p>',
    );
  });
}

function resetForm(token: string, error?: string) {
  const tokenInput = token
    ? tokenField(token)
    : '<p><label>Reset code from the email<br><input name="token" required autocomplete="off"></label></p>';
  return `${error ? `<p role="alert"><strong>${escapeHtml(error)}</strong></p>` : ''}
<form method="post" action="${RESET_PASSWORD_PAGE}">
${tokenInput}
<p><label>New password (at least 10 characters)<br><input type="password" name="newPassword" required minlength="10" autocomplete="new-password"></label></p>
<p><button type="submit">Set the new password</button></p>
</form>`;
}

/**
 * GET /reset-password shows the form (the token from the link in a hidden field, or a box for the code
 * from the email); POST sets the password through the same verb as the API, so the same rules hold
 * (single use, 30 minutes, every session revoked, rate limited).
 */
function resetPasswordPages(app: Hono<AppEnv>) {
  app.get(RESET_PASSWORD_PAGE, (c) => {
    const token = c.req.query('token') ?? '';
    return htmlPage(c, 200, 'Choose a new password', resetForm(token.length <= MAX_TOKEN ? token : ''));
  });
  app.post(RESET_PASSWORD_PAGE, async (c) => {
    const body = await c.req.parseBody();
    const token = field(body, 'token').trim();
    const newPassword = field(body, 'newPassword');
    const checked = Password.safeParse(newPassword);
    if (!checked.success) {
      const message = checked.error.issues[0]?.message ?? 'is not valid';
      return htmlPage(c, 422, 'Choose a new password', resetForm(token, `The new password ${message}.`));
    }
    const result =
      token && token.length <= 200
        ? await attempt(() => confirmPasswordReset(serviceContext(c), { token, newPassword }))
        : ({ ok: false, status: 400 } as const);
    if (result.ok) {
      return htmlPage(
        c,
        200,
        'Password changed',
        '<p>Your password is changed, and every session of your account was signed out. Log in with the new password.</p>',
      );
    }
    if (result.status === 429) {
      return htmlPage(
        c,
        429,
        'Too many attempts',
        '<p>Too many attempts; wait a few minutes and try again.</p>',
      );
    }
    return htmlPage(
      c,
      400,
      'This link does not work',
      '<p>The reset link or code has already been used or has expired. Ask for a new password-reset email.</p>',
    );
  });
}

/** The HTML pages the links in emails open when there is no front end (WEB_URL unset). */
export function pageRoutes() {
  const app = new Hono<AppEnv>();
  verifyEmailPages(app);
  resetPasswordPages(app);
  csatPages(app);
  return app;
}
