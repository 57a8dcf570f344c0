import { z } from '@hono/zod-openapi';
import { GROUP_ASSIGNMENTS } from '../../../db/schema/index.js';
import { pageOf } from '../../http/pagination.js';
import { singleLine } from '../../http/text.js';

const Name = singleLine(
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(100, { message: 'must be at most 100 characters', abort: true }),
);
const Description = singleLine(
  z.string().trim().max(1000, { message: 'must be at most 1000 characters', abort: true }),
);
const MemberIds = z
  .array(z.string().regex(/^[1-9]\d{0,14}$/, 'must be a user id'))
  .max(200, 'at most 200 members')
  .transform((ids) => [...new Set(ids)])
  .openapi({ description: 'Active agents or admins (user ids)', example: ['7', '9'] });
export const GroupAssignment = z.enum(GROUP_ASSIGNMENTS).openapi({
  description: '`round_robin`: a ticket put in the group without an assignee gets the next active member',
});

export const CreateGroupInput = z
  .object({
    name: Name,
    description: Description.nullable().optional(),
    memberIds: MemberIds.default([]),
    assignment: GroupAssignment.default('manual'),
  })
  .strict()
  .openapi('CreateGroupInput');
export type CreateGroupInput = z.infer<typeof CreateGroupInput>;

export const UpdateGroupInput = z
  .object({
    name: Name.optional(),
    description: Description.nullable().optional(),
    memberIds: MemberIds.optional(),
    assignment: GroupAssignment.optional(),
  })
  .strict()
  .openapi('UpdateGroupInput');
export type UpdateGroupInput = z.infer<typeof UpdateGroupInput>;

export const Group = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    members: z.array(z.object({ id: z.string(), name: z.string() })),
    assignment: GroupAssignment,
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Group');
export type Group = z.infer<typeof Group>;

export const GroupPage = pageOf(Group, 'GroupPage');

export const groupExample: Group = {
  id: '3',
  name: 'Billing',
  description: 'Invoices, refunds and payment problems',
  members: [
    { id: '7', name: 'Grace Hopper' },
    { id: '9', name: 'Alan Turing' },
  ],
  assignment: 'round_robin',
  createdAt: '2026-11-21T20:40:52.123Z',
  updatedAt: '2026-11-21T20:40:52.123Z',
};
