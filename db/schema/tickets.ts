import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  index,
  int,
  mediumtext,
  mysqlEnum,
  mysqlTable,
  primaryKey,
  text,
  uniqueIndex,
  varchar,
} from 'drizzle-orm/mysql-core';
import { apiKeys } from './api-keys.js';
import { createdAt, exactVarchar, id, jsonValue, ref, timestamp } from './columns.js';
import { groups } from './groups.js';
import { users } from './users.js';

export const TICKET_STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];
export const SATISFACTION_RATINGS = ['good', 'bad'] as const;
export type SatisfactionRating = (typeof SATISFACTION_RATINGS)[number];

/**
 * Stands for "no such moment" in the SLA columns that are sorted and swept (`sla_due_at`,
 * `sla_at_risk_at`, `sla_next_alert_at`): NOT NULL with a far-future value keeps them plain index ranges
 * and keyset cursors without NULL cases, and tickets without a running clock sort last.
 */
export const SLA_NEVER = new Date('9999-12-31T00:00:00.000Z');
const slaNever = (name: string) => timestamp(name).notNull().default(sql`'9999-12-31 00:00:00.000'`);

/** `id` is the human ticket number shown as `#1042`. */
export const tickets = mysqlTable(
  'tickets',
  {
    id: id(),
    subject: varchar('subject', { length: 200 }).notNull(),
    status: mysqlEnum('status', TICKET_STATUSES).notNull().default('new'),
    priority: mysqlEnum('priority', TICKET_PRIORITIES).notNull().default('normal'),
    /** Numeric rank of `priority` (low=1 … urgent=4) so `sort=-priority` can use an index. */
    priorityRank: int('priority_rank', { unsigned: true }).notNull().default(2),
    requesterId: ref('requester_id')
      .notNull()
      .references(() => users.id),
    assigneeId: ref('assignee_id').references(() => users.id),
    version: int('version', { unsigned: true }).notNull().default(1),
    /**
     * `version` and `updatedAt` as the requester sees them: bumped only by changes the requester can see,
     * so an internal note leaves their view (version, ETag, updatedAt) exactly as it was. Staff see the
     * full `version`/`updatedAt`. Backfill: copies of `version` and `updated_at`.
     */
    publicVersion: int('public_version', { unsigned: true }).notNull().default(1),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
    publicUpdatedAt: timestamp('public_updated_at').notNull().default(sql`CURRENT_TIMESTAMP(3)`),
    firstResponseAt: timestamp('first_response_at'),
    solvedAt: timestamp('solved_at'),
    closedAt: timestamp('closed_at'),
    groupId: ref('group_id').references(() => groups.id),
    // SLA clocks (src/modules/sla/clocks.ts). What happened, whatever the policy:
    /** When the running next-response clock started (a requester's message); null when none runs. */
    slaNextResponseStartedAt: timestamp('sla_next_response_started_at'),
    /** Start of the resolution clock's current running stretch; null while paused or stopped. */
    slaResolutionStartedAt: timestamp('sla_resolution_started_at'),
    /** Resolution time used by earlier stretches (before a pause), in business and in calendar seconds. */
    slaResolutionBusinessSecs: int('sla_resolution_business_secs', { unsigned: true }).notNull().default(0),
    slaResolutionCalendarSecs: int('sla_resolution_calendar_secs', { unsigned: true }).notNull().default(0),
    // What the matching policy makes of it (recomputed in every commit that moves a clock):
    slaPolicyId: ref('sla_policy_id'),
    slaFirstResponseDueAt: timestamp('sla_first_response_due_at'),
    slaNextResponseDueAt: timestamp('sla_next_response_due_at'),
    slaResolutionDueAt: timestamp('sla_resolution_due_at'),
    /** The earliest running target's due time (`sort=slaDue`, `sla=breached`). */
    slaDueAt: slaNever('sla_due_at'),
    /** The earliest moment a running target has under 20 % left (`sla=at_risk`). */
    slaAtRiskAt: slaNever('sla_at_risk_at'),
    /** The next warning or breach the sweep has to write: its work list is `sla_next_alert_at <= now`. */
    slaNextAlertAt: slaNever('sla_next_alert_at'),
    /** Bit sets of targets (1 first response, 2 next response, 4 resolution) warned about / breached. */
    slaWarned: int('sla_warned', { unsigned: true }).notNull().default(0),
    slaBreached: int('sla_breached', { unsigned: true }).notNull().default(0),
    /** Set when the ticket was merged into another (it is then closed): later replies land there. */
    mergedIntoId: ref('merged_into_id'),
    // Satisfaction (CSAT): the requester's rating of the latest solve; the latest rating wins.
    satisfactionRating: mysqlEnum('satisfaction_rating', SATISFACTION_RATINGS),
    satisfactionComment: text('satisfaction_comment'),
    satisfactionRatedAt: timestamp('satisfaction_rated_at'),
    // Reports (src/modules/reports): durations and outcomes kept on the ticket by the commit path, in calendar
    // time, so a percentile is an index range read and a sort, never a scan of the events.
    /** Calendar seconds from creation to the first public staff reply; set with `first_response_at`. */
    firstResponseSecs: int('first_response_secs', { unsigned: true }),
    /** Calendar seconds from creation to the latest solve; set at every solve (the latest wins). */
    resolutionSecs: int('resolution_secs', { unsigned: true }),
    /** How many times the ticket went from solved back to an open status. */
    reopenCount: int('reopen_count', { unsigned: true }).notNull().default(0),
    /** Whether the first response came by its SLA due time; null when no first-response target applied. */
    slaFirstResponseMet: boolean('sla_first_response_met'),
    /** Whether the latest solve came by its SLA due time; null when no resolution target applied. */
    slaResolutionMet: boolean('sla_resolution_met'),
    /**
     * Set once the ticket has had a CC, a follower or a custom field value (by the repo functions that
     * write them, in the same transaction); never cleared. A view reads those three (correlated JSON
     * subqueries that cost a view most of its database time, even when empty) only for such tickets.
     */
    viewExtras: boolean('view_extras').notNull().default(false),
  },
  (t) => [
    // Keyset pagination for GET /tickets: every list sorts by (column, id) within an optional filter.
    index('tickets_updated_idx').on(t.updatedAt, t.id),
    index('tickets_created_idx').on(t.createdAt, t.id),
    index('tickets_priority_idx').on(t.priorityRank, t.updatedAt, t.id),
    index('tickets_requester_updated_idx').on(t.requesterId, t.updatedAt, t.id),
    // A requester's list sorts by what they can see change.
    index('tickets_requester_public_updated_idx').on(t.requesterId, t.publicUpdatedAt, t.id),
    index('tickets_assignee_updated_idx').on(t.assigneeId, t.updatedAt, t.id),
    index('tickets_status_updated_idx').on(t.status, t.updatedAt, t.id),
    // The staff queues: "open and unassigned, most urgent first" and "open and unassigned, newest first".
    index('tickets_status_assignee_priority_idx').on(
      t.status,
      t.assigneeId,
      t.priorityRank,
      t.updatedAt,
      t.id,
    ),
    index('tickets_status_assignee_updated_idx').on(t.status, t.assigneeId, t.updatedAt, t.id),
    // A requester's own tickets by creation time.
    index('tickets_requester_created_idx').on(t.requesterId, t.createdAt, t.id),
    // The auto-close sweep: solved tickets by solved time.
    index('tickets_status_solved_idx').on(t.status, t.solvedAt),
    // A group's queue, and `group=` with the default sort.
    index('tickets_group_updated_idx').on(t.groupId, t.updatedAt, t.id),
    // sort=slaDue (keyset on (sla_due_at, id)); sla=breached is the range below now; sla=at_risk is the
    // range (now, horizon] (`atRiskHorizon`) with `sla_at_risk_at <= now` checked in the index, unread.
    index('tickets_sla_due_idx').on(t.slaDueAt, t.id, t.slaAtRiskAt),
    index('tickets_sla_alert_idx').on(t.slaNextAlertAt),
    // Reports count ratings by the time they were given.
    index('tickets_satisfaction_idx').on(t.satisfactionRatedAt, t.satisfactionRating),
    // Report percentiles: a range of solve / first-response times, covering what the summary reads.
    index('tickets_report_resolution_idx').on(
      t.solvedAt,
      t.resolutionSecs,
      t.slaResolutionMet,
      t.groupId,
      t.assigneeId,
    ),
    index('tickets_report_first_response_idx').on(
      t.firstResponseAt,
      t.firstResponseSecs,
      t.slaFirstResponseMet,
      t.groupId,
      t.assigneeId,
    ),
  ],
);

/** Tags live in their own table so `?tag=` is an indexed lookup on both engines (no JSON functions). */
export const ticketTags = mysqlTable(
  'ticket_tags',
  {
    ticketId: ref('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    /** NFKC-normalised and lower-cased by the input schema, then compared exactly (`cafe` ≠ `café`). */
    tag: exactVarchar('tag', 50).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tag, t.ticketId], name: 'ticket_tags_pk' }),
    index('ticket_tags_ticket_idx').on(t.ticketId),
  ],
);

/** Public replies and internal notes, oldest first by id. */
export const messages = mysqlTable(
  'messages',
  {
    id: id(),
    ticketId: ref('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    /** The person who wrote it; null when an API key did (`authorApiKeyId`). */
    authorId: ref('author_id').references(() => users.id),
    /** The API key that wrote it, when it was not a person. */
    authorApiKeyId: ref('author_api_key_id').references(() => apiKeys.id),
    body: mediumtext('body').notNull(),
    internal: boolean('internal').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('messages_ticket_idx').on(t.ticketId, t.internal, t.id)],
);

/** The audit trail: exactly one row per change, written in the change's transaction. */
export const ticketEvents = mysqlTable(
  'ticket_events',
  {
    id: id(),
    ticketId: ref('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    /** The user who made the change; null when it was not a person (see `actorJob`). */
    actorId: ref('actor_id').references(() => users.id),
    /** The API key that made the change, when it was not a person. */
    actorApiKeyId: ref('actor_api_key_id').references(() => apiKeys.id),
    /** For changes the system made by itself: which job (`auto_close`). */
    actorJob: varchar('actor_job', { length: 40 }),
    type: varchar('type', { length: 64 }).notNull(),
    data: jsonValue<Record<string, unknown>>('data'),
    /** Events about internal notes are hidden from requesters. */
    internal: boolean('internal').notNull().default(false),
    /**
     * The event's position among the ticket's requester-visible events (1, 2, 3…), null for internal
     * ones. Requesters see it as the event id: global ids would leave gaps where hidden events are.
     * Backfill: ROW_NUMBER() over each ticket's non-internal events by id.
     */
    publicSeq: int('public_seq', { unsigned: true }),
    createdAt: createdAt(),
    /**
     * The event's place in the change feed (GET /events), in commit order: null until the feed's sequencer
     * numbers it after its transaction committed (src/modules/feed/repo.ts), never changed afterwards.
     */
    seq: bigint('seq', { mode: 'number', unsigned: true }),
  },
  (t) => [
    index('ticket_events_ticket_idx').on(t.ticketId, t.internal, t.id),
    uniqueIndex('ticket_events_public_seq_unique').on(t.ticketId, t.publicSeq),
    // The feed pages by seq; its NULL entries (first in the index) are the sequencer's to-do list.
    uniqueIndex('ticket_events_seq_uq').on(t.seq),
    // The feed filtered by ticket or by type: an ordered range each.
    index('ticket_events_ticket_seq_idx').on(t.ticketId, t.seq),
    index('ticket_events_type_seq_idx').on(t.type, t.seq),
    // Where an incremental export with `updatedSince` starts: the first feed position since a time.
    index('ticket_events_created_seq_idx').on(t.createdAt, t.seq),
  ],
);
