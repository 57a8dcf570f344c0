import { type Actor, actorUserId, requireActor, type ServiceContext } from '../../context.js';
import type { Queryable } from '../../database.js';
import { ConflictError } from '../../errors.js';
import type { NewNotification } from '../notifications/index.js';
import type { SlaActivity, SlaConfig } from '../sla/index.js';
import { queueTicketEvents, type WEBHOOK_EVENT_TYPES } from '../webhooks/index.js';
import * as notify from './notify.js';
import * as repo from './repo.js';
import { recordReportRollup, reportColumns } from './report-columns.js';
import { slaPlan } from './sla.js';

/** Every ticket event type can be subscribed to by a webhook: a new type fails to compile until it is listed. */
type Unsubscribable = Exclude<repo.EventType, (typeof WEBHOOK_EVENT_TYPES)[number]>;
export const everyEventTypeIsSubscribable: [Unsubscribable] extends [never] ? true : Unsubscribable = true;

/**
 * One change to a ticket, as a verb plans it: the row's new values, its audit events (one per thing that
 * changed) and the emails it causes. Every writer — a PATCH, a transition, a reply, the auto-close sweep,
 * and later macros, merges, bulk edits, inbound email and SLA events — builds one of these and hands it
 * to `commitChange`.
 */
export interface TicketChange {
  changes: repo.TicketChanges;
  events: Omit<repo.NewEvent, 'ticketId'>[];
  /**
   * Whether the requester can see the change (default true). An internal note alone moves only the
   * staff's version and `updatedAt`, so the requester's view of the ticket does not move with it.
   */
  requesterVisible?: boolean;
  /** What moves the SLA clocks besides the fields: a public staff reply, a requester's public message. */
  slaActivity?: SlaActivity;
  /** The SLA configuration, when the caller has it loaded already (a sweep): saves reading it again. */
  slaConfig?: SlaConfig;
  /** The emails, from the ticket as committed and the people it concerns (requester, assignee, actor). */
  notify?: (view: repo.TicketView, people: notify.People) => NewNotification[] | Promise<NewNotification[]>;
}

/**
 * Writes a ticket's audit events and queues their webhook deliveries (the webhook outbox), in the
 * caller's transaction: the events, the deliveries and the change commit or roll back together. The one
 * way events are written: `commitChange` uses it, and so do the writes that are not a change of an
 * existing ticket (raising one, requeueing an email). All events are about one ticket.
 */
export async function recordEvents(
  tx: Queryable,
  now: Date,
  actor: Actor,
  events: repo.NewEvent[],
): Promise<void> {
  const firstEventId = await repo.insertEvents(tx, now, actor, events);
  if (events.length > 0) await queueTicketEvents(tx, now, events[0]!.ticketId, firstEventId, events.length);
}

/** Unreachable while writes hold the row lock; kept so a lost race can never pass for success. */
export const versionConflict = () =>
  new ConflictError('version_conflict', 'The ticket was changed by someone else; read it again.');

/**
 * The one commit path for a ticket change, inside the caller's transaction (the row locked by
 * `lockForWrite` or a sweep's `SKIP LOCKED` select): writes the row if it is still at the version the
 * caller read, bumping it; records the audit events with the context's actor; queues one webhook
 * delivery per subscribed webhook and event; re-reads the view; queues the emails in the outbox. A change with no events changes nothing and returns the current view.
 */
export async function commitChange(
  tx: Queryable,
  ctx: ServiceContext,
  row: repo.TicketRow,
  change: TicketChange,
): Promise<repo.TicketView> {
  if (change.events.length === 0) return (await repo.findView(tx, row.id))!;
  const actor = requireActor(ctx);
  const now = ctx.clock.now();
  const visible = change.requesterVisible ?? true;
  // The SLA clocks and due times move with the change, in its transaction (tickets/sla.ts).
  const sla = await slaPlan(tx, row, change.changes, change.slaActivity, now, change.slaConfig);
  const changes = { ...change.changes, ...sla.changes, ...reportColumns(row, change.changes, now) };
  if (!(await repo.updateIfVersion(tx, row.id, row.version, changes, now, visible))) {
    throw versionConflict();
  }
  await recordReportRollup(tx, row, { ...row, ...changes }, now);
  await recordEvents(
    tx,
    now,
    actor,
    [...change.events, ...sla.events].map((e) => ({ ...e, ticketId: row.id })),
  );
  const view = (await repo.findView(tx, row.id))!;
  if (change.notify) {
    const people = await notify.ticketPeople(tx, view, actorUserId(actor));
    await notify.queue(tx, ctx, await change.notify(view, people));
  }
  return view;
}
