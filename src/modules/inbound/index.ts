// Email in both directions, the inbound half: one pipeline (parse, drop machine mail, match a signed
// reply address, apply as the sender through messages/tickets, record) behind three doors: the Node SMTP
// listener (./smtp.ts, imported by the Node entry only), POST /inbound/email and the Worker's email().
export { type InboundDoorDeps, receiveAtDoor } from './door.js';
export type { Envelope, InboundResult, InboundSource } from './pipeline.js';
export { receiveEmail } from './pipeline.js';
export { INBOUND_EMAIL_PATH, inboundRoutes } from './routes.js';
