import { abilityOf, authorize, type MessageSubject, messageScope } from '../../access/index.js';
import {
  actorApiKeyId,
  actorLabel,
  actorUserId,
  requireActor,
  type ServiceContext,
  withTransaction,
} from '../../context.js';
import { ConflictError, NotFoundError, ValidationError } from '../../errors.js';
import type { IfMatch } from '../../http/etag.js';
import { afterIdCursor, type PageInput, toPage } from '../../http/pagination.js';
import { attachmentsOf, bindAttachments, ensureStorage } from '../attachments/index.js';
import {
  commitChange,
  insertMessage,
  lockWriteTarget,
  notify,
  partyOf,
  readableView,
  statusChange,
  type TicketChange,
  transitionOnReply,
} from '../tickets/index.js';
import { findMessage, listMessages } from './repo.js';
import { type CreateMessageInput, type Message, toMessage } from './schemas.js';

/** A page of a ticket's conversation, oldest first; a requester's page has no internal notes. */
export async function list(ctx: ServiceContext, ticketId: number, page: PageInput) {
  const view = await readableView(ctx, ticketId);
  const after = afterIdCursor(page.cursor);
  const rows = await listMessages(
    ctx.db,
    view.ticket.id,
    messageScope(requireActor(ctx)),
    after,
    page.limit + 1,
  );
  const files = await attachmentsOf(
    ctx.db,
    rows.slice(0, page.limit).map((r) => r.id),
  );
  return toPage(
    rows,
    page.limit,
    (r) => [r.id],
    (r) => toMessage(r, files.get(r.id)),
  );
}

/**
 * Adds a public reply or an internal note, and makes the move a reply implies (the first public staff
 * reply opens a new ticket and sets firstResponseAt; the requester's reply reopens a pending or solved
 * one). Message, status change, their audit events and the emails commit together.
 */
export async function create(
  ctx: ServiceContext,
  ticketId: number,
  input: CreateMessageInput,
  ifMatch: IfMatch,
): Promise<Message> {
  const ability = abilityOf(ctx);
  // Whether the caller writes messages at all (an API key needs tickets:write); which ones, below.
  authorize(ability, 'create', 'Message');
  const actor = requireActor(ctx);
  const actorId = actorUserId(actor);
  const now = ctx.clock.now();
  // Before any lock: a store that is down is a 503 and no message, rather than a message whose files
  // cannot be served.
  if (input.attachmentIds.length > 0) await ensureStorage(ctx);
  const messageId = await withTransaction(ctx, async (tx, ctx) => {
    // A reply to a merged ticket lands on the ticket it was merged into.
    const row = await lockWriteTarget(tx, ctx, ticketId, ifMatch);
    const subject: MessageSubject = {
      kind: 'Message',
      ticketRequesterId: row.requesterId,
      ticketCcIds: row.ccIds,
      internal: input.internal,
    };
    if (!ability.can('create', subject)) {
      // Only an internal note can be refused to someone who can see the ticket.
      throw new ValidationError([{ path: 'internal', message: 'only staff can write internal notes' }]);
    }
    if (row.status === 'closed') {
      throw new ConflictError('ticket_closed', 'This ticket is closed; raise a new ticket instead.');
    }
    // A CC may reply (the rule above let them) but is no party to the lifecycle: their reply moves nothing.
    const party = partyOf(ability, row);
    const id = await insertMessage(tx, {
      ticketId: row.id,
      author: actor,
      body: input.body,
      internal: input.internal,
      now,
    });
    const files = await bindAttachments(tx, ctx, {
      ticketId: row.id,
      messageId: id,
      uploaderId: actorId,
      uploaderApiKeyId: actorApiKeyId(actor),
      ids: input.attachmentIds,
    });
    const change: TicketChange = {
      changes: {},
      events: [
        {
          type: 'message.created',
          data: { messageId: String(id), internal: input.internal },
          internal: input.internal,
        },
      ],
    };
    const to = party ? transitionOnReply(row.status, party, input.internal) : null;
    const move = to ? statusChange(row, to, now) : null;
    if (move) {
      change.changes = move.changes;
      change.events.push(move.event);
    }
    if (party === 'staff' && !input.internal && row.firstResponseAt === null) {
      change.changes.firstResponseAt = now;
    }
    // SLA clocks: a public staff reply stops the response clocks; a requester's message starts next response.
    if (!input.internal) change.slaActivity = party === 'staff' ? 'staff_reply' : 'requester_message';
    // Every message bumps the version too: the ticket's updatedAt (part of its representation) moved.
    // An internal note moves only the staff's version: the requester's view must not change with it.
    change.requesterVisible = !input.internal || move !== null;
    change.notify = async (view, people) => [
      ...notify.messageCreated(
        ctx,
        view,
        people,
        { ...input, attachments: files },
        actorId,
        actorLabel(actor),
      ),
      ...(move ? await notify.statusChanged(ctx, view, people, move.event.data, actorId) : []),
    ];
    await commitChange(tx, ctx, row, change);
    return id;
  });
  const message = await findMessage(ctx.db, messageId);
  if (!message) throw new NotFoundError('message', messageId);
  return toMessage(message, (await attachmentsOf(ctx.db, [messageId])).get(messageId));
}
