export * from './admin-audit.js';
export * from './feed.js';
export * from './idempotency.js';
export * from './notifications.js';
export * from './rate-limits.js';
export * from './sessions.js';
export * from './tickets.js';
export * from './users.js';
