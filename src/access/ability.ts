import { AbilityBuilder, createMongoAbility, type MongoAbility } from '@casl/ability';
import type { Role } from '../../db/schema/index.js';
import type { Actor, UserActor } from '../context.js';
import { ForbiddenError } from '../errors.js';
import { isAdminRole, isStaffRole, STAFF_ROLES } from './roles.js';

/**
 * What a caller may do, in one place. Every route's permission question is asked here (or of the SQL
 * scopes in `scopes.ts` that mirror these rules for list queries); nothing else compares roles.
 *
 * Subjects are plain objects tagged with `kind`, carrying just the fields the rules look at.
 */
export interface TicketSubject {
  readonly kind: 'Ticket';
  requesterId: number;
}
export interface MessageSubject {
  readonly kind: 'Message';
  /** The requester of the message's ticket. */
  ticketRequesterId: number;
  internal: boolean;
}
export interface TicketEventSubject {
  readonly kind: 'TicketEvent';
  ticketRequesterId: number;
  /** Events about internal notes are internal too. */
  internal: boolean;
}
export interface NotificationSubject {
  readonly kind: 'Notification';
  ticketRequesterId: number;
}
export interface UserSubject {
  readonly kind: 'User';
  id: number;
  role: Role;
  active: boolean;
}
export interface SessionSubject {
  readonly kind: 'Session';
  userId: number;
}
/**
 * An uploaded file. Once bound to a message it is exactly as visible as that message (`internal` is the
 * message's); until then (`bound: false`) only its uploader sees it.
 */
export interface AttachmentSubject {
  readonly kind: 'Attachment';
  ticketRequesterId: number;
  bound: boolean;
  internal: boolean;
  uploaderId: number | null;
}
/** The change feed (GET /events): every ticket's events, internal ones included. */
export interface EventFeedSubject {
  readonly kind: 'EventFeed';
}

type Subjects =
  | TicketSubject
  | MessageSubject
  | AttachmentSubject
  | TicketEventSubject
  | NotificationSubject
  | UserSubject
  | SessionSubject
  | EventFeedSubject;
/** Subjects asked about as a whole, never about one row: `'AuditLog'` (the admin audit log). */
type WholeSubject = 'AuditLog';
type SubjectName = Subjects['kind'] | WholeSubject;

/**
 * - `read`, `create`, `update`, `revoke`: what they say (`update` is checked per field).
 * - `list`: appear in a list query (GET /users lists only staff to agents).
 * - `triage`: act on a ticket as support staff (the lifecycle's "staff" column, assigning).
 * - `transition`: move a ticket through the lifecycle at all (which moves is the lifecycle table's call).
 */
export type Action = 'read' | 'list' | 'create' | 'update' | 'revoke' | 'triage' | 'transition';

export type AppAbility = MongoAbility<[Action, Subjects | SubjectName]>;

/** The rules for one caller. Cheap to build (a handful of rules), so it is built per request. */
export function defineAbilityFor(actor: Actor): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  if (actor.type === 'system') {
    // The system's jobs (auto-close) act on tickets as staff would, and on nothing else.
    staffTicketRules(can);
  } else {
    userRules(can, actor);
  }
  return build({ detectSubjectType: (s) => (typeof s === 'string' ? s : s.kind) });
}

type Can = AbilityBuilder<AppAbility>['can'];

function staffTicketRules(can: Can): void {
  can(['read', 'update', 'transition', 'triage'], 'Ticket');
  can(['read', 'create'], 'Message');
  can('read', 'Attachment', { bound: true });
  can('read', ['TicketEvent', 'Notification']);
}

function userRules(can: Can, actor: Pick<UserActor, 'id' | 'role'>): void {
  // Everybody: their own account and sessions, and raising tickets.
  can('read', 'User', { id: actor.id });
  can('update', 'User', ['name', 'notifications'], { id: actor.id });
  can(['read', 'revoke'], 'Session', { userId: actor.id });
  can('create', 'Ticket');
  // An upload not yet part of a message: its uploader's alone (to check, then to send or to let expire).
  can('read', 'Attachment', { bound: false, uploaderId: actor.id });

  if (!isStaffRole(actor.role)) {
    can(['read', 'transition'], 'Ticket', { requesterId: actor.id });
    can('update', 'Ticket', ['subject'], { requesterId: actor.id });
    // A requester never sees an internal note, nor an event about one.
    can(['read', 'create'], 'Message', { ticketRequesterId: actor.id, internal: false });
    can('read', 'Attachment', { ticketRequesterId: actor.id, bound: true, internal: false });
    can('read', 'TicketEvent', { ticketRequesterId: actor.id, internal: false });
  } else {
    staffTicketRules(can);
    can('read', 'EventFeed');
    // Staff see any account by id (ticket requesters), but list only their colleagues.
    can('read', 'User');
    can('list', 'User', { role: { $in: [...STAFF_ROLES] } });
  }

  if (isAdminRole(actor.role)) {
    can(['list', 'create'], 'User');
    can('update', 'User', ['name', 'role', 'active']);
    can('read', 'AuditLog');
  }
}

/** Throws 403 unless the ability allows `action` on `subject` (and `field`, when given). */
export function authorize(
  ability: AppAbility,
  action: Action,
  subject: Subjects | SubjectName,
  field?: string,
): void {
  if (!ability.can(action, subject, field)) throw new ForbiddenError();
}
