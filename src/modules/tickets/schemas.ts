import { z } from '@hono/zod-openapi';
import { ROLES, SATISFACTION_RATINGS, TICKET_PRIORITIES, TICKET_STATUSES } from '../../../db/schema/index.js';
import { Id } from '../../http/ids.js';
import { PageQuery, pageOf } from '../../http/pagination.js';
import { Email, UserName } from '../../http/people.js';
import { multiLine, singleLine } from '../../http/text.js';

const Timestamp = z.string().openapi({ example: '2026-11-21T20:40:52.123Z' });
const NullableTimestamp = Timestamp.nullable();

export const TicketStatus = z.enum(TICKET_STATUSES).openapi('TicketStatus');
export const TicketPriority = z.enum(TICKET_PRIORITIES).openapi('TicketPriority');

const Person = z.object({ id: z.string(), name: z.string(), email: z.string() });

export const SLA_TARGET_NAMES = ['first_response', 'next_response', 'resolution'] as const;

/** A ticket's SLA, as staff see it (requesters get null). */
export const TicketSla = z
  .object({
    policyId: z.string(),
    firstResponseDueAt: NullableTimestamp.openapi({ description: 'While the first-response clock runs' }),
    nextResponseDueAt: NullableTimestamp.openapi({
      description: 'While a next-response clock runs (from a requester message until the next staff reply)',
    }),
    resolutionDueAt: NullableTimestamp.openapi({
      description: 'While the resolution clock runs; null while it is paused (pending, on_hold) or stopped',
    }),
    breached: z.array(z.enum(SLA_TARGET_NAMES)).openapi({
      description:
        'Targets breached under this policy (a running target past its due time is listed at once)',
    }),
  })
  .openapi('TicketSla');
/** The requester's satisfaction rating of the latest solve (CSAT), from the links of the solved email. */
export const TicketSatisfaction = z
  .object({
    rating: z.enum(SATISFACTION_RATINGS),
    comment: z.string().nullable().openapi({ description: 'The optional comment sent from the rating page' }),
    ratedAt: Timestamp.openapi({ description: 'When the rating or the comment last changed' }),
  })
  .openapi('TicketSatisfaction');

/** How many people one ticket may copy: enough for a team, not a mailing list. */
export const MAX_CCS = 50;

export const Ticket = z
  .object({
    id: z.string().openapi({ description: 'The human ticket number', example: '1042' }),
    subject: z.string(),
    status: TicketStatus,
    priority: TicketPriority,
    tags: z.array(z.string()),
    requester: Person,
    assignee: Person.nullable(),
    group: z.object({ id: z.string(), name: z.string() }).nullable(),
    sla: TicketSla.nullable().openapi({
      description: 'The matching SLA policy and its clocks; null when no policy applies, and for requesters',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
    firstResponseAt: NullableTimestamp,
    solvedAt: NullableTimestamp,
    closedAt: NullableTimestamp,
    ccs: z.array(Person).openapi({
      description: 'Customers copied on the ticket: they get its public emails, read it and may reply',
    }),
    followers: z.array(Person).optional().openapi({
      description: 'Staff following the ticket (every email, internal notes included); shown to staff only',
    }),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).openapi({
      description:
        'Custom field values by key (GET /ticket-fields); a requester sees only fields visible to them',
      example: { plan: 'pro' },
    }),
    satisfaction: TicketSatisfaction.nullable().openapi({
      description:
        'The requester’s rating (`good` or `bad`) from the satisfaction links of the solved email; the latest ' +
        'rating wins. Shown to staff, API keys and the requester; null until rated, and for CCs',
    }),
    mergedInto: z
      .object({ id: z.string() })
      .nullable()
      .openapi({ description: 'The ticket this one was merged into (it is then closed), or null' }),
    version: z.number().int().openapi({ description: 'Sent back as `ETag`; send it as `If-Match` to write' }),
  })
  .openapi('Ticket');
export type Ticket = z.infer<typeof Ticket>;

/**
 * Tags are short lower-case words (`billing`, `vip`, `os.linux`). Input is trimmed, NFKC-normalised and
 * lower-cased (full-width `ｘ１` is `x1`; `Ⅻ` is `xii`), and then compared exactly by the database
 * (binary collation): `cafe` and `café` are two tags, not one tag that collides with itself.
 */
export const Tag = z
  .string()
  .trim()
  // Normalising may shorten a tag (`e` + U+0301 is `é`) or lengthen it, so the 50 counts after it; this first
  // cap keeps a megabyte-long "tag" from being normalised at all.
  .max(200, { message: 'must be at most 50 characters', abort: true })
  .overwrite((v) => v.normalize('NFKC').toLowerCase().normalize('NFKC'))
  .min(1, 'must not be empty')
  .max(50, { message: 'must be at most 50 characters', abort: true })
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u, 'may hold letters, digits, "_", "." and "-" only');

const Tags = z
  .array(Tag)
  .max(20, 'at most 20 tags')
  .transform((tags) => [...new Set(tags)].sort());

const Subject = singleLine(
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(200, { message: 'must be at most 200 characters', abort: true }),
);
/** Message bodies: up to 64 KiB of text (the request itself is capped at 1 MiB); line breaks and tabs kept. */
export const Body = multiLine(
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(65_535, { message: 'must be at most 65535 characters', abort: true }),
);

/** The customer a ticket is raised for, by address (API keys with tickets:write, and staff). */
export const TicketRequesterInput = z
  .strictObject({
    email: Email,
    name: UserName.optional().openapi({
      description: 'Used only if the account is created; defaults to the part of the address before the @',
    }),
  })
  .openapi('TicketRequesterInput', {
    description:
      'Raise the ticket for this customer: their account is found by address, or created without a password ' +
      '(they can set one through password reset). Only staff and API keys with `tickets:write` may send it ' +
      '(403 `forbidden` for a user); an API key must (a key is nobody, so it cannot be the requester).',
  });
const GroupId = z
  .string()
  .regex(/^\d{1,15}$/, 'must be a group id')
  .nullable()
  .optional()
  .openapi({ description: 'A group id (`null`: no group); staff only' });
/** Custom field values by key; validated against the definitions by the service (422 per key). */
const FieldsInput = z
  .record(z.string().max(60), z.unknown())
  .refine((f) => Object.keys(f).length <= 100, 'at most 100 fields')
  .openapi({
    description: 'Custom field values by key (see /ticket-fields); `null` clears one',
    example: { plan: 'pro' },
  });

export const CreateTicketInput = z
  .object({
    subject: Subject,
    body: Body,
    priority: TicketPriority.optional(),
    tags: Tags.optional(),
    requester: TicketRequesterInput.optional(),
    groupId: GroupId,
    fields: FieldsInput.optional(),
  })
  .openapi('CreateTicketInput');
export type CreateTicketInput = z.infer<typeof CreateTicketInput>;

/**
 * A CC's address: the accounts module's email rule (ASCII pattern, 320 characters), trimmed and
 * lower-cased, so `Ada@Example.com` and `ada@example.com` are one CC.
 */
export const CcEmail = z
  .string()
  .trim()
  .max(320, { message: 'must be at most 320 characters', abort: true })
  .check(z.email('must be a valid email address'))
  .transform((v) => v.toLowerCase())
  .openapi({ example: 'grace@example.com' });

const Ccs = z
  .array(z.unknown())
  // Counted before the items are read: 1,000 addresses are one error, not a thousand pattern runs.
  .max(MAX_CCS, `at most ${MAX_CCS} CCs`)
  .pipe(z.array(CcEmail))
  .transform((emails) => [...new Set(emails)])
  .openapi({
    description: `Replaces the CCs (at most ${MAX_CCS}; duplicates by case count once). Addresses without an account get a password-less customer account. The requester or a staff address is 422.`,
  });

export const UpdateTicketInput = z
  .object({
    subject: Subject.optional(),
    ccs: Ccs.optional(),
    fields: FieldsInput.optional(),
    priority: TicketPriority.optional(),
    tags: Tags.optional(),
    assigneeId: z
      .string()
      .regex(/^\d{1,15}$/, 'must be a user id')
      .nullable()
      .optional()
      .openapi({ description: 'An active agent or admin; `null` unassigns' }),
    groupId: GroupId,
  })
  .strict()
  .openapi('UpdateTicketInput');
export type UpdateTicketInput = z.infer<typeof UpdateTicketInput>;

/** How many tickets one bulk update may name. */
export const MAX_BULK = 100;

const TagList = z
  .array(Tag)
  .max(20, 'at most 20 tags')
  .transform((tags) => [...new Set(tags)]);

export const BulkChanges = z
  .object({
    status: TicketStatus.optional(),
    priority: TicketPriority.optional(),
    assigneeId: z
      .string()
      .regex(/^\d{1,15}$/, 'must be a user id')
      .nullable()
      .optional(),
    groupId: GroupId,
    addTags: TagList.optional(),
    removeTags: TagList.optional(),
  })
  .strict()
  .refine((c) => Object.keys(c).length > 0, 'name at least one change')
  .openapi('BulkChanges');
export type BulkChanges = z.infer<typeof BulkChanges>;

export const BulkInput = z
  .object({
    ids: z
      .array(z.unknown())
      .min(1, 'name at least one ticket')
      // Counted before the items are read: 10,000 ids are one error.
      .max(MAX_BULK, `at most ${MAX_BULK} tickets`)
      .pipe(
        z.array(
          z
            .string()
            .regex(/^[1-9][0-9]{0,15}$/, 'must be a ticket id')
            .transform(Number),
        ),
      )
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a ticket'),
    changes: BulkChanges,
  })
  .strict()
  .openapi('BulkInput');
export type BulkInput = z.infer<typeof BulkInput>;

/** How many tickets one merge may close into its target. */
export const MAX_MERGE_SOURCES = 50;

export const MergeInput = z
  .object({
    sourceIds: z
      .array(z.unknown())
      .min(1, 'name at least one ticket')
      .max(MAX_MERGE_SOURCES, `at most ${MAX_MERGE_SOURCES} tickets`)
      .pipe(
        z.array(
          z
            .string()
            .regex(/^[1-9][0-9]{0,15}$/, 'must be a ticket id')
            .transform(Number),
        ),
      )
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a ticket')
      .openapi({ description: 'The tickets to close into this one', example: ['1043', '1044'] }),
  })
  .strict()
  .openapi('MergeInput');
export type MergeInput = z.infer<typeof MergeInput>;

export const TICKET_SORTS = [
  '-updatedAt',
  'updatedAt',
  '-createdAt',
  'createdAt',
  '-priority',
  'slaDue',
] as const;
export type TicketSort = (typeof TICKET_SORTS)[number];

const csv = <T extends z.ZodType>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item).min(1, 'must name at least one value'),
  );

const queryParam = (name: string, description: string) => ({
  param: { name, in: 'query' as const },
  description,
});

export const TicketListQuery = PageQuery.extend({
  status: csv(TicketStatus)
    .optional()
    .openapi(queryParam('status', 'One status, or several separated by commas (`open,pending`)')),
  priority: csv(TicketPriority).optional().openapi(queryParam('priority', 'One priority, or several')),
  assignee: z
    .string()
    .regex(/^(me|none|\d{1,15})$/, 'must be "me", "none" or a user id')
    .optional()
    .openapi(queryParam('assignee', '`me`, `none` or a user id')),
  requester: z
    .string()
    .regex(/^\d{1,15}$/, 'must be a user id')
    .optional()
    .openapi(queryParam('requester', 'A user id')),
  tag: Tag.optional().openapi(queryParam('tag', 'Tickets carrying this tag')),
  group: z
    .string()
    .regex(/^(none|\d{1,15})$/, 'must be "none" or a group id')
    .optional()
    .openapi(queryParam('group', '`none` or a group id')),
  sla: z
    .enum(['breached', 'at_risk'])
    .optional()
    .openapi(
      queryParam(
        'sla',
        '`breached`: a running SLA target is past its due time; `at_risk`: none is, but one has under 20 % of its target left. Staff only (a requester gets an empty page)',
      ),
    ),
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .optional()
    .openapi(queryParam('q', 'Full-text search over subjects and the messages the caller may read')),
  sort: z
    .enum(TICKET_SORTS)
    .default('-updatedAt')
    .openapi(
      queryParam(
        'sort',
        'Default `-updatedAt`. `slaDue`: earliest running SLA target first (tickets without one last, by id)',
      ),
    ),
});
export type TicketListQuery = z.infer<typeof TicketListQuery>;

export const TicketPage = pageOf(Ticket, 'TicketPage');

export const TransitionInput = z
  .object({
    to: TicketStatus,
    // One line: it is printed after "Reason:" in the status-change email.
    reason: singleLine(
      z.string().trim().max(1000, { message: 'must be at most 1000 characters', abort: true }),
    ).optional(),
  })
  .openapi('TransitionInput');
export type TransitionInput = z.infer<typeof TransitionInput>;

export const AllowedTransitions = z
  .object({ status: TicketStatus, allowed: z.array(TicketStatus) })
  .openapi('AllowedTransitions');
export type AllowedTransitions = z.infer<typeof AllowedTransitions>;

/** `{id}` of the ticket routes: the shared `Id` rule (a number once parsed, 404 when it cannot be one). */
export const TicketIdParam = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '1042', description: 'The ticket number' }),
});

/** Who made a change, as a ticket's events and the change feed show it. */
export const EventActor = z
  .discriminatedUnion('type', [
    z.object({ type: z.literal('user'), id: z.string(), name: z.string(), role: z.enum(ROLES) }),
    z.object({
      type: z.literal('api_key'),
      id: z.string(),
      name: z.string().openapi({ description: 'The key’s name', example: 'CRM sync' }),
    }),
    z.object({
      type: z.literal('system'),
      job: z.string().openapi({ description: 'The job that made the change', example: 'auto_close' }),
    }),
  ])
  .openapi({
    description: 'Who made the change: a person, an API key, or the system itself (`auto_close`)',
    example: { type: 'user', id: '7', name: 'Alan Agent', role: 'agent' },
  });

export type EventActor = z.infer<typeof EventActor>;

export { type EventActorRow, toEventActor } from '../../http/people.js';

/** An audit event's type, as a ticket's events and the change feed show it. */
export const EventTypeField = z.string().openapi({
  description:
    '`ticket.created` `{subject,priority,tags,messageId,followUpOf?}`, `ticket.status_changed` `{from,to,reason?}`, `ticket.assigned` `{from,to}` (user ids), ' +
    '`ticket.priority_changed` `{from,to}`, `ticket.tags_changed` `{added,removed}`, ' +
    '`ticket.subject_changed` `{from,to}`, `ticket.group_changed` `{from,to}` (group ids), ' +
    '`ticket.rated` `{rating,previousRating,comment}` (the requester, from the satisfaction links of the solved email), ' +
    '`message.created` `{messageId,internal}`, and for staff `sla.warning` / `sla.breached` `{target,dueAt}` ' +
    '(`first_response`, `next_response` or `resolution`)',
  example: 'ticket.status_changed',
});
