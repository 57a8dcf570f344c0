// SLA engine, below tickets: business time and the clock rules (pure), and reading the configuration
// (policies, calendar). The admin routes and the breach sweep live above it (`sla-admin`, `tickets`).
export * from './business-time.js';
export * from './clocks.js';
export * from './config.js';
