import { AbilityBuilder, createMongoAbility, type MongoAbility } from '@casl/ability';
import type { Role } from '../../db/schema/index.js';
import type { Actor, ApiKeyActor, UserActor } from '../context.js';
import { ForbiddenError } from '../errors.js';
import { effectiveScopes, scopeGrants, scopesFor } from './api-key-scopes.js';
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
  /** The people copied on the ticket (its CCs): a relation that grants reading and replying. */
  ccIds: readonly number[];
}
export interface MessageSubject {
  readonly kind: 'Message';
  /** The requester of the message's ticket. */
  ticketRequesterId: number;
  /** The CCs of the message's ticket. */
  ticketCcIds: readonly number[];
  internal: boolean;
}
export interface TicketEventSubject {
  readonly kind: 'TicketEvent';
  ticketRequesterId: number;
  ticketCcIds: readonly number[];
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
  /** The people copied on the ticket: they read its public attachments, like its public messages. */
  ticketCcIds: readonly number[];
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
/**
 * Subjects asked about as a whole, never about one row: `'AuditLog'` (the admin audit log), `'ApiKey'`
 * (managing API keys), `'Webhook'` (outgoing webhooks and their delivery log: `read`, `create`, `update`
 * (also test sends and retries), `revoke` (delete)), the triage configuration: `'Group'`,
 * `'BusinessHours'` (the calendar), `'SlaPolicy'`, `'Macro'` (canned changes staff apply to tickets;
 * admins write them), `'TicketField'` (custom field definitions), `'InboundEmail'` (posting raw
 * inbound mail, reading the inbound log), and `'Report'` (the reports: aggregates over all tickets).
 */
type WholeSubject =
  | 'AuditLog'
  | 'ApiKey'
  | 'Webhook'
  | 'Group'
  | 'BusinessHours'
  | 'SlaPolicy'
  | 'Macro'
  | 'TicketField'
  | 'InboundEmail'
  | 'Report';
const TRIAGE_CONFIG: WholeSubject[] = ['Group', 'BusinessHours', 'SlaPolicy'];
type SubjectName = Subjects['kind'] | WholeSubject;

/**
 * - `read`, `create`, `update`, `delete`, `revoke`: what they say (`update` is checked per field).
 * - `list`: appear in a list query (GET /users lists only staff to agents).
 * - `triage`: act on a ticket as support staff (the lifecycle's "staff" column, assigning).
 * - `transition`: move a ticket through the lifecycle at all (which moves is the lifecycle table's call).
 * - `follow`: be emailed about every change of a ticket, internal notes included (staff).
 * - `merge`: close a ticket into another one (staff).
 * - `update` on field `ccs`: set who is copied on a ticket (its requester, staff).
 */
export type Action =
  | 'read'
  | 'list'
  | 'create'
  | 'update'
  | 'delete'
  | 'revoke'
  | 'triage'
  | 'transition'
  | 'follow'
  | 'merge';

export type AppAbility = MongoAbility<[Action, Subjects | SubjectName]>;

/** Abilities built for API keys: their refusals are `insufficient_scope`, not `forbidden`. */
const keyAbilities = new WeakSet<AppAbility>();

const detectSubjectType = (s: Subjects | SubjectName) => (typeof s === 'string' ? s : s.kind);

/** The rules for one caller. Cheap to build (a handful of rules), so it is built per request. */
export function defineAbilityFor(actor: Actor): AppAbility {
  const { can, cannot, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  switch (actor.type) {
    case 'system':
      // The system's jobs (auto-close) act on tickets as staff would, and on nothing else.
      staffTicketRules(can);
      break;
    case 'api_key':
      return apiKeyAbility(actor);
    case 'user':
      userRules(can, cannot, actor);
  }
  return build({ detectSubjectType });
}

type Can = AbilityBuilder<AppAbility>['can'];

/**
 * What staff may do to everything that is not their own account: the rule set an API key's scopes cut
 * from (ability of an admin, minus sessions, /me and the audit log). Unconditional rules only.
 */
function staffRules(can: Can): void {
  staffTicketRules(can);
  can('create', 'Ticket');
  can('read', 'EventFeed');
  can('read', 'Report');
  can(['read', 'list', 'create'], 'User');
  can('update', 'User', ['name', 'role', 'active']);
  can(['read', 'create', 'update', 'revoke'], 'Webhook');
  can('read', TRIAGE_CONFIG);
  can('read', ['Macro', 'TicketField']);
  // What admins have on the inbound doors; only `inbound:write` reaches it.
  can(['create', 'read'], 'InboundEmail');
}

/**
 * A key's ability: the staff rules whose subject and action one of its scopes grants (the table in
 * api-key-scopes.ts). Rules listing several actions or subjects are split, so a scope takes exactly its
 * part of one.
 */
function apiKeyAbility(actor: Pick<ApiKeyActor, 'scopes'>): AppAbility {
  const staff = new AbilityBuilder<AppAbility>(createMongoAbility);
  staffRules(staff.can);
  const scopes = [...effectiveScopes(actor.scopes)];
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  for (const rule of staff.rules) {
    const actions = ([] as string[]).concat(rule.action);
    const subjects = ([] as string[]).concat(rule.subject as string | string[]);
    for (const action of actions) {
      for (const subject of subjects) {
        if (!scopes.some((scope) => scopeGrants(scope, action, subject))) continue;
        const fields = rule.fields as string[] | undefined;
        // biome-ignore lint/suspicious/noExplicitAny: a raw rule's action and subject, re-emitted as they were
        if (fields) can(action as Action, subject as any, fields);
        // biome-ignore lint/suspicious/noExplicitAny: as above
        else can(action as Action, subject as any);
      }
    }
  }
  const ability = build({ detectSubjectType });
  keyAbilities.add(ability);
  return ability;
}

function staffTicketRules(can: Can): void {
  can(['read', 'update', 'transition', 'triage'], 'Ticket');
  can(['read', 'create'], 'Message');
  can('read', 'Attachment', { bound: true });
  can('read', ['TicketEvent', 'Notification']);
  // Collaboration: copy customers on a ticket, follow it, merge it, apply macros to it.
  can(['follow', 'merge'], 'Ticket');
}

function userRules(can: Can, cannot: Can, actor: Pick<UserActor, 'id' | 'role'>): void {
  // Everybody: their own account and sessions, raising tickets, and the custom fields they may fill in.
  can('read', 'User', { id: actor.id });
  can('read', 'TicketField');
  can('update', 'User', ['name', 'notifications'], { id: actor.id });
  can(['read', 'revoke'], 'Session', { userId: actor.id });
  can('create', 'Ticket');
  // An upload not yet part of a message: its uploader's alone (to check, then to send or to let expire).
  can('read', 'Attachment', { bound: false, uploaderId: actor.id });

  if (!isStaffRole(actor.role)) {
    // Only staff raise a ticket for someone else (`requester` in POST /tickets).
    cannot('create', 'Ticket', ['requester']);
    can(['read', 'transition'], 'Ticket', { requesterId: actor.id });
    can('update', 'Ticket', ['subject', 'ccs', 'fields'], { requesterId: actor.id });
    // A requester never sees an internal note, nor an event about one.
    can(['read', 'create'], 'Message', { ticketRequesterId: actor.id, internal: false });
    can('read', 'Attachment', { ticketRequesterId: actor.id, bound: true, internal: false });
    can('read', 'TicketEvent', { ticketRequesterId: actor.id, internal: false });
    // A CC reads the ticket and its public side and may reply, but changes nothing (no update, no
    // transition). `{ccIds: id}` matches when the array holds the id.
    can('read', 'Ticket', { ccIds: actor.id });
    can(['read', 'create'], 'Message', { ticketCcIds: actor.id, internal: false });
    can('read', 'Attachment', { ticketCcIds: actor.id, bound: true, internal: false });
    can('read', 'TicketEvent', { ticketCcIds: actor.id, internal: false });
  } else {
    staffTicketRules(can);
    can('read', 'EventFeed');
    // Reports aggregate every ticket: staff see every ticket anyway.
    can('read', 'Report');
    can('read', 'Macro');
    // Staff see any account by id (ticket requesters), but list only their colleagues.
    can('read', 'User');
    can('list', 'User', { role: { $in: [...STAFF_ROLES] } });
    // Agents see how triage is set up (groups, calendar, SLA policies); admins change it.
    can('read', TRIAGE_CONFIG);
  }

  if (isAdminRole(actor.role)) {
    can(['list', 'create'], 'User');
    can('update', 'User', ['name', 'role', 'active']);
    can('read', 'AuditLog');
    // Keys are made, listed and revoked by admins only: no key scope reaches them.
    can(['create', 'read', 'revoke'], 'ApiKey');
    can(['read', 'create', 'update', 'revoke'], 'Webhook');
    can(['create', 'update', 'delete'], TRIAGE_CONFIG);
    can(['create', 'update'], ['Macro', 'TicketField']);
    // Posting raw mail and reading the inbound log; a key with `inbound:write` gets the same (a mail
    // provider's webhook).
    can(['create', 'read'], 'InboundEmail');
  }
}

/**
 * The 403 for a refusal by `ability`: `insufficient_scope` (naming the scopes that would allow it) for an
 * API key, plain `forbidden` for everyone else.
 */
export function forbidden(
  ability: AppAbility,
  action: Action,
  subject: Subjects | SubjectName,
): ForbiddenError {
  if (!keyAbilities.has(ability)) return new ForbiddenError();
  const needed = scopesFor(action, detectSubjectType(subject));
  return new ForbiddenError(
    'insufficient_scope',
    needed.length > 0
      ? `This API key needs the scope ${needed.join(' or ')} for this.`
      : 'No API key scope allows this; it needs a signed-in person.',
  );
}

/**
 * For an API key only: 403 `insufficient_scope` unless one of its scopes reaches `action` on `subject` at
 * all. A no-op for people, where the route keeps its own answer (a 404 that hides whether a row exists).
 */
export function requireScope(ability: AppAbility, action: Action, subject: SubjectName): void {
  if (keyAbilities.has(ability) && !ability.can(action, subject)) throw forbidden(ability, action, subject);
}

/** Throws 403 unless the ability allows `action` on `subject` (and `field`, when given). */
export function authorize(
  ability: AppAbility,
  action: Action,
  subject: Subjects | SubjectName,
  field?: string,
): void {
  if (!ability.can(action, subject, field)) throw forbidden(ability, action, subject);
}
