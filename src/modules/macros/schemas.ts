import { z } from '@hono/zod-openapi';
import { Id } from '../../http/ids.js';
import { singleLine } from '../../http/text.js';
import { parseTemplate, renderTemplate } from '../notifications/index.js';
import { Body, Tag, TicketPriority, TicketStatus } from '../tickets/index.js';

/** The values a reply may name; rendering against them at save time rejects any other placeholder. */
const SAMPLE_VARS = { requester: { name: 'Ada' }, ticket: { id: '1042' }, agent: { name: 'Grace' } };

/** Renders a macro reply's template with the eval-free engine; throws `TemplateError` on a bad one. */
export const renderReply = (template: string, vars: Record<string, unknown>) =>
  renderTemplate(parseTemplate(template, 'macro reply'), vars, { html: false });

function isValidTemplate(body: string): boolean {
  try {
    renderReply(body, SAMPLE_VARS);
    return true;
  } catch {
    return false;
  }
}

const TagList = z
  .array(Tag)
  .max(20, 'at most 20 tags')
  .transform((tags) => [...new Set(tags)]);

export const MacroActions = z
  .object({
    reply: z
      .object({
        body: Body.refine(isValidTemplate, {
          message: 'may use only {{requester.name}}, {{ticket.id}}, {{agent.name}} and {{#if …}}…{{/if}}',
        }),
        internal: z.boolean().default(false),
      })
      .strict()
      .optional(),
    status: TicketStatus.optional(),
    priority: TicketPriority.optional(),
    assigneeId: z
      .string()
      .regex(/^\d{1,15}$/, 'must be a user id')
      .nullable()
      .optional()
      .openapi({ description: 'An agent or admin; `null` unassigns' }),
    groupId: z
      .string()
      .regex(/^\d{1,15}$/, 'must be a group id')
      .nullable()
      .optional()
      .openapi({
        description:
          'A group (`null`: none). Put in a round-robin group and left unassigned, the ticket gets the next member. ' +
          'A group deleted since the macro was saved makes applying it 422 (`validation_failed` on `groupId`), changing nothing.',
      }),
    addTags: TagList.optional(),
    removeTags: TagList.optional(),
  })
  .strict()
  .refine((a) => Object.keys(a).length > 0, 'name at least one action')
  .openapi('MacroActions');
export type MacroActions = z.infer<typeof MacroActions>;

const Name = singleLine(
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(100, { message: 'must be at most 100 characters', abort: true }),
);

export const CreateMacroInput = z
  .object({ name: Name, actions: MacroActions })
  .strict()
  .openapi('CreateMacroInput');
export type CreateMacroInput = z.infer<typeof CreateMacroInput>;

export const UpdateMacroInput = z
  .object({ name: Name.optional(), actions: MacroActions.optional() })
  .strict()
  .openapi('UpdateMacroInput');
export type UpdateMacroInput = z.infer<typeof UpdateMacroInput>;

export const Macro = z
  .object({
    id: z.string(),
    name: z.string(),
    actions: MacroActions,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Macro');
export type Macro = z.infer<typeof Macro>;

export const MacroList = z.object({ data: z.array(Macro) }).openapi('MacroList');

export const MacroIdParam = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '12' }),
});
export const ApplyParams = z.object({
  id: Id.openapi({ param: { name: 'id', in: 'path' }, example: '1042', description: 'The ticket number' }),
  macroId: Id.openapi({ param: { name: 'macroId', in: 'path' }, example: '12' }),
});
