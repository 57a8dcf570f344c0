import { z } from '@hono/zod-openapi';
import { FIELD_TYPES } from '../../../db/schema/index.js';
import { Id } from '../../http/ids.js';
import { singleLine } from '../../http/text.js';

/**
 * Keys a custom field may not take: the ticket's own members and the list's query parameters, so
 * `fields.<key>` and `field.<key>=` can never be mistaken for them.
 */
export const RESERVED_KEYS = new Set([
  'id',
  'subject',
  'status',
  'priority',
  'tags',
  'tag',
  'requester',
  'assignee',
  'ccs',
  'followers',
  'fields',
  'field',
  'createdat',
  'updatedat',
  'firstresponseat',
  'solvedat',
  'closedat',
  'version',
  'mergedinto',
  'q',
  'sort',
  'cursor',
  'limit',
  'body',
  'group',
  'groupid',
  'assigneeid',
  'requesterid',
]);

const Option = singleLine(
  z.string().trim().min(1).max(100, { message: 'must be at most 100 characters', abort: true }),
);
const Options = z
  .array(Option)
  .min(1, 'a dropdown needs at least one option')
  .max(100, 'at most 100 options')
  .refine((o) => new Set(o).size === o.length, 'must not repeat an option');
const Label = singleLine(
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(100, { message: 'must be at most 100 characters', abort: true }),
);

export const FieldType = z.enum(FIELD_TYPES).openapi('FieldType');

export const CreateFieldInput = z
  .object({
    key: z
      .string()
      .regex(
        /^[a-z][a-z0-9_]{0,49}$/,
        'must be lower-case letters, digits and "_", starting with a letter, at most 50',
      ),
    label: Label,
    type: FieldType,
    options: Options.optional(),
    required: z.boolean().default(false),
    visibleToRequester: z.boolean().default(false),
  })
  .strict()
  .openapi('CreateTicketFieldInput');
export type CreateFieldInput = z.infer<typeof CreateFieldInput>;

export const UpdateFieldInput = z
  .object({
    label: Label.optional(),
    options: Options.optional(),
    required: z.boolean().optional(),
    visibleToRequester: z.boolean().optional(),
  })
  .strict()
  .openapi('UpdateTicketFieldInput');
export type UpdateFieldInput = z.infer<typeof UpdateFieldInput>;

export const TicketField = z
  .object({
    id: z.string(),
    key: z.string(),
    label: z.string(),
    type: FieldType,
    options: z.array(z.string()).nullable(),
    required: z.boolean(),
    visibleToRequester: z.boolean(),
  })
  .openapi('TicketField');
export type TicketField = z.infer<typeof TicketField>;

export const TicketFieldList = z.object({ data: z.array(TicketField) }).openapi('TicketFieldList');

export const FieldIdParam = z.object({ id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '3' }) });
