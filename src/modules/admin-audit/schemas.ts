import { z } from '@hono/zod-openapi';
import { AUDIT_ACTOR_TYPES } from '../../../db/schema/index.js';
import { PageQuery, pageOf } from '../../http/pagination.js';
import { AUDIT_TARGET_TYPES } from './record.js';

const query = (name: string, description: string) => ({ param: { name, in: 'query' as const }, description });

export const AuditLogQuery = PageQuery.extend({
  actorType: z
    .enum(AUDIT_ACTOR_TYPES)
    .optional()
    .openapi(
      query('actorType', 'Only changes by this kind of actor (default `user` when `actorId` is given)'),
    ),
  actorId: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, 'must be a positive integer')
    .optional()
    .openapi(query('actorId', 'Only changes made by this user (or, with `actorType=api_key`, this key)')),
  targetType: z
    .enum(AUDIT_TARGET_TYPES)
    .optional()
    .openapi(query('targetType', 'Only changes to this kind of thing')),
  targetId: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .openapi(query('targetId', 'Only changes to this one (needs `targetType`)')),
  after: z.iso
    .datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-11-21T00:00:00Z' })
    .optional()
    .openapi(query('after', 'Only changes made strictly after this instant')),
})
  .refine((q) => q.targetId === undefined || q.targetType !== undefined, {
    message: 'needs targetType: ids are only unique within a type',
    path: ['targetId'],
  })
  .refine((q) => q.actorId === undefined || q.actorType !== 'system', {
    message: 'the system has no id',
    path: ['actorId'],
  });
export type AuditLogQuery = z.infer<typeof AuditLogQuery>;

const Change = z
  .union([z.object({ from: z.unknown(), to: z.unknown() }), z.object({ changed: z.literal(true) })])
  .openapi({
    description:
      'The field before and after; for a secret (a password), only `{changed: true}`. On creation `from` is null.',
  });

export const AuditActorView = z
  .discriminatedUnion('type', [
    z.object({
      type: z.literal('user'),
      id: z.string(),
      name: z.string().nullable().openapi({ description: "The user's current name (null if gone)" }),
    }),
    z.object({
      type: z.literal('system'),
      job: z.string().openapi({ description: '`bootstrap` (ADMIN_EMAIL at start), `admin_cli`' }),
    }),
    z.object({
      type: z.literal('api_key'),
      id: z.string(),
      name: z.string().nullable().openapi({ description: "The key's name when it acted" }),
    }),
  ])
  .openapi('AuditActor');
export type AuditActorView = z.infer<typeof AuditActorView>;

export const AuditLogEntry = z
  .object({
    id: z.string(),
    action: z.string().openapi({
      description:
        '`user.created` (by an admin, the CLI or the first-admin bootstrap), `user.registered` (self sign-up; ' +
        'the actor is the new user), `user.role_changed`, `user.disabled`, `user.enabled`, `user.renamed`, ' +
        '`user.password_changed` (by its owner), `user.password_reset` (confirmed with an emailed token, or ' +
        'set by the CLI). A request that changes several things writes one entry for each.',
    }),
    actor: AuditActorView,
    target: z.object({ type: z.enum(AUDIT_TARGET_TYPES), id: z.string() }),
    changes: z.record(z.string(), Change),
    ip: z.string().nullable().openapi({ description: "The client's address; null for the system" }),
    createdAt: z.string(),
  })
  .openapi('AuditLogEntry');
export type AuditLogEntry = z.infer<typeof AuditLogEntry>;

export const AuditLogPage = pageOf(AuditLogEntry, 'AuditLogPage');
export type AuditLogPage = z.infer<typeof AuditLogPage>;

export const auditLogPageExample: AuditLogPage = {
  data: [
    {
      id: '812',
      action: 'user.role_changed',
      actor: { type: 'user', id: '1', name: 'Ann Admin' },
      target: { type: 'user', id: '42' },
      changes: { role: { from: 'agent', to: 'admin' } },
      ip: '203.0.113.7',
      createdAt: '2026-11-21T20:40:52.123Z',
    },
    {
      id: '811',
      action: 'user.password_changed',
      actor: { type: 'user', id: '42', name: 'Alan Agent' },
      target: { type: 'user', id: '42' },
      changes: { password: { changed: true } },
      ip: '198.51.100.23',
      createdAt: '2026-11-21T20:31:07.410Z',
    },
  ],
  nextCursor: 'WyIyMDI2LTExLTIxVDIwOjMxOjA3LjQxMFoiLDgxMV0',
};
