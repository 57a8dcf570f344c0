// Outgoing webhooks (Standard Webhooks): subscriptions, the outbox a ticket commit writes to, and the
// dispatcher that delivers. Depends on no sibling but notifications (the "disabled" email) and
// admin-audit; tickets calls `queueTicketEvents` from its commit path.
export {
  drainWebhooks,
  startWebhookLoop,
  type WebhookDispatcherDeps,
  webhookRetryDelayMs,
  webhookSettings,
} from './dispatcher.js';
export { queueTicketEvents, type WebhookPayload } from './outbox.js';
export { webhookRoutes } from './routes.js';
export { WEBHOOK_EVENT_TYPES } from './schemas.js';
export { fetchTransport, type WebhookTransport } from './transport.js';
