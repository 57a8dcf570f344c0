import { z } from '@hono/zod-openapi';
import { ROLES } from '../../../db/schema/index.js';
import { PageQuery, pageOf } from '../../http/pagination.js';
import { Email, Password, User, UserName } from '../auth/schemas.js';

const query = (name: string, description: string) => ({ param: { name, in: 'query' as const }, description });

export const UserListQuery = PageQuery.extend({
  role: z.enum(ROLES).optional().openapi(query('role', 'Only users with this role')),
  active: z
    .enum(['true', 'false'])
    .optional()
    .openapi(query('active', 'Only active (`true`) or disabled (`false`) accounts')),
  q: z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(200)
    .optional()
    .openapi(
      query('q', 'Case-insensitive substring of the name or the email (`%` and `_` match themselves)'),
    ),
});
export type UserListQuery = z.infer<typeof UserListQuery>;

export const UserPage = pageOf(User, 'UserPage');
export type UserPage = z.infer<typeof UserPage>;

export const CreateUserInput = z
  .object({ email: Email, name: UserName, role: z.enum(ROLES), password: Password })
  .openapi('CreateUserInput');
export type CreateUserInput = z.infer<typeof CreateUserInput>;

/** Unknown members (an `email`, a `password`) are refused with 422 rather than silently ignored. */
export const UpdateUserInput = z
  .strictObject({
    name: UserName.optional(),
    role: z.enum(ROLES).optional(),
    active: z
      .boolean()
      .optional()
      .openapi({ description: '`false` disables the account and ends its sessions' }),
  })
  .openapi('UpdateUserInput');
export type UpdateUserInput = z.infer<typeof UpdateUserInput>;
