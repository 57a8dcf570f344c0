// Email delivery: the outbox (enqueue inside the change's transaction), the dispatcher that drains it,
// the SMTP mailer, and the shapes of a notification's delivery state. It knows nothing of tickets.
export { drainOutbox, outboxSettings, startOutboxLoop } from './dispatcher.js';
export { createSmtpMailer } from './mailer.js';
export type { NewNotification } from './outbox.js';
export { enqueue, mailDomain, ORIGIN_HEADER, ticketThreadId } from './outbox.js';
export { parseTemplate, renderTemplate, TemplateError } from './render.js';
export { inboundRecipient, replyAddress, replyToken, verifyReplyToken } from './reply-address.js';
export { NotificationPage, NotificationStatusView } from './schemas.js';
export type { TemplateName } from './templates.js';
