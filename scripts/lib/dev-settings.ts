/**
 * Auth rate limits for `npm run dev` only (unless set in the environment): the README's tour logs in as
 * the demo agent on every run, and a developer re-running it, or a front end under development, would
 * otherwise hit the production limits (10 per account, 30 per address, per 15 minutes) within minutes.
 */
export const DEV_AUTH_RATE_LIMITS = {
  AUTH_RATE_LIMIT_PER_IP: '10000',
  AUTH_RATE_LIMIT_PER_EMAIL: '1000',
} as const;
