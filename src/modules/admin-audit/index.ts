// The admin audit log's front door: other modules record their changes through `record` (inside their
// own transaction) and build `changes` with `fieldChanges`. The app mounts `routes.ts` itself, as it does
// every module's router, so that importing this file never loads the HTTP stack (the CLI imports it).
export {
  AUDIT_TARGET_TYPES,
  type AuditAction,
  type AuditActor,
  type AuditContext,
  type AuditEntry,
  type AuditTargetType,
  fieldChanges,
  record,
} from './record.js';
