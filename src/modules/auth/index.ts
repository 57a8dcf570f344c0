// The auth module's front door: the authenticator createApp installs, the routes, and the verbs the
// HTML pages call.
export { authenticate } from './authenticate.js';
export { confirmPasswordReset, RESET_PASSWORD_PAGE } from './password.js';
export { enforceRateLimit } from './rate-limit.js';
export { authRoutes } from './routes.js';
export { VERIFY_EMAIL_PAGE, verifyEmail } from './verification.js';
