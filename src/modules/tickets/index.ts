// Tickets, the aggregate every change goes through: the one commit path (`commitChange`) and what a
// sibling needs to build a change (lock, plan a status move, who gets which email), plus the routers.
export { applyActions, type ReplyVars, type TicketActions } from './actions.js';
export type { CustomerAccounts } from './ccs.js';
export { collaborationRoutes } from './collab-routes.js';
export type { TicketChange } from './commit.js';
export { commitChange } from './commit.js';
export { nextRoundRobinMember, planGroupChange, ungroupAll } from './groups.js';
export { autoCloseSolved, startHousekeepingLoop } from './housekeeping.js';
export { transitionOnReply } from './lifecycle.js';
export { lockWriteTarget, resolveMergeTarget } from './merge.js';
export { notificationRoutes } from './notification-routes.js';
export * as notify from './notify.js';
export { insertMessage, selectPage as loadTicketPage } from './repo.js';
export { ticketRoutes } from './routes.js';
export { type CsatOutcome, type CsatRefusal, type CsatState, rateFromLink } from './satisfaction.js';
export { CSAT_PATH, MAX_CSAT_TOKEN, purposeKey } from './satisfaction-token.js';
export {
  Body,
  CreateTicketInput,
  EventActor,
  type EventActorRow,
  EventTypeField,
  Tag,
  Ticket,
  TicketIdParam,
  TicketPriority,
  TicketStatus,
  toEventActor,
} from './schemas.js';
export { create as createTicket, toTicket, unassignAllFrom } from './service.js';
export { recomputeOpenTickets } from './sla.js';
export { startSlaSweepLoop, sweepSla } from './sla-sweep.js';
export { statusChange } from './status.js';
export { lockForWrite, partyOf, readableView, seesInternal } from './visibility.js';
