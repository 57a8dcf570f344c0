// The admin audit log's front door: other modules record their changes through `record` (inside their
// own transaction) and build `changes` with `fieldChanges`; the app mounts `adminAuditRoutes`.
export { adminAuditRoutes } from './routes.js';
export type { AuditAction, AuditTargetType } from './schemas.js';
export { AUDIT_TARGET_TYPES } from './schemas.js';
export {
  type AuditActor,
  type AuditContext,
  type AuditEntry,
  fieldChanges,
  record,
} from './service.js';
