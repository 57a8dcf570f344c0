import { index, mysqlEnum, mysqlTable, varchar } from 'drizzle-orm/mysql-core';
import { createdAt, id, jsonValue, ref } from './columns.js';

/**
 * Who can act: a person, the system itself (a named job), or an API key. `api_key` is listed before any
 * key exists so that adding keys needs no migration of this table.
 */
export const AUDIT_ACTOR_TYPES = ['user', 'system', 'api_key'] as const;
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number];

/** One field's change in an audit row: before and after, or only that it changed (secrets). */
export type AuditChange = { from: unknown; to: unknown } | { changed: true };
export type AuditChanges = Record<string, AuditChange>;

/**
 * The admin audit log: one row per account or configuration change (ticket changes have their own
 * trail, `ticket_events`), written in the change's transaction. Rows are history: no foreign keys, so a
 * row outlives whatever it names, and nothing ever updates one.
 */
export const adminAuditLog = mysqlTable(
  'admin_audit_log',
  {
    id: id(),
    /** `<target type>.<verb>`, e.g. `user.role_changed`. */
    action: varchar('action', { length: 64 }).notNull(),
    actorType: mysqlEnum('actor_type', AUDIT_ACTOR_TYPES).notNull(),
    /** The user's or the API key's id; null for the system. */
    actorId: ref('actor_id'),
    /** A name frozen at the time of the change where the actor may disappear: the job, the key's name. */
    actorLabel: varchar('actor_label', { length: 200 }),
    targetType: varchar('target_type', { length: 40 }).notNull(),
    /** A string, so targets that are not rows with numeric ids fit too. */
    targetId: varchar('target_id', { length: 64 }).notNull(),
    changes: jsonValue<AuditChanges>('changes'),
    ip: varchar('ip', { length: 64 }),
    createdAt: createdAt(),
  },
  (t) => [
    // GET /audit-log pages newest first by (created_at, id), unfiltered, by actor or by target.
    index('admin_audit_log_time_idx').on(t.createdAt, t.id),
    index('admin_audit_log_actor_idx').on(t.actorType, t.actorId, t.createdAt, t.id),
    index('admin_audit_log_target_idx').on(t.targetType, t.targetId, t.createdAt, t.id),
  ],
);
