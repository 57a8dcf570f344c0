import { API_KEY_SCOPES, type ApiKeyScope } from '../../db/schema/index.js';

/**
 * What each API-key scope grants, in one table: a key's rules are the staff rules (`staffRules` in
 * ability.ts) for the subjects and actions of its scopes, and nothing else. A subject another module adds
 * gets one row here (or joins a row), and keys follow.
 *
 * A `write` scope includes its `read` (an integration that updates tickets must be able to see them).
 */
export interface ScopeGrant {
  /** CASL subjects (`kind`s) whose staff rules the scope takes. */
  subjects: readonly string[];
  /** Which of those rules' actions; `all` takes every staff action on the subjects. */
  actions: readonly string[] | 'all';
  /** Scopes this one includes. */
  includes?: readonly ApiKeyScope[];
}

export const API_KEY_SCOPE_GRANTS: Record<ApiKeyScope, ScopeGrant> = {
  // Groups, the calendar and SLA policies are read by whoever reads tickets (they explain a ticket's `group`
  // and `sla`); changing them is an admin's, never a key's.
  'tickets:read': {
    subjects: [
      'Ticket',
      'Message',
      'Attachment',
      'TicketEvent',
      'Notification',
      'Group',
      'BusinessHours',
      'SlaPolicy',
      'Macro',
      'TicketField',
    ],
    actions: ['read'],
  },
  'tickets:write': {
    subjects: ['Ticket', 'Message'],
    // Following is a person's (followers/me); merging and applying macros are writes like any other.
    actions: ['create', 'update', 'transition', 'triage', 'merge'],
    includes: ['tickets:read'],
  },
  'users:read': { subjects: ['User'], actions: ['read', 'list'] },
  'users:write': { subjects: ['User'], actions: ['create', 'update'], includes: ['users:read'] },
  'events:read': { subjects: ['EventFeed'], actions: ['read'] },
  'webhooks:manage': { subjects: ['Webhook'], actions: 'all' },
  // Posting raw mail (POST /inbound/email, a mail provider's webhook) and reading the inbound log.
  'inbound:write': { subjects: ['InboundEmail'], actions: 'all' },
  // The reports (GET /reports/*): aggregates only, no ticket content.
  'reports:read': { subjects: ['Report'], actions: ['read'] },
};

export const isApiKeyScope = (value: string): value is ApiKeyScope =>
  (API_KEY_SCOPES as readonly string[]).includes(value);

/** The scopes a key's grants amount to, includes followed. */
export function effectiveScopes(scopes: readonly ApiKeyScope[]): Set<ApiKeyScope> {
  const out = new Set<ApiKeyScope>();
  const add = (scope: ApiKeyScope) => {
    if (out.has(scope)) return;
    out.add(scope);
    for (const inner of API_KEY_SCOPE_GRANTS[scope].includes ?? []) add(inner);
  };
  for (const scope of scopes) add(scope);
  return out;
}

/** Whether `scope` grants `action` on subject type `subject` (before the staff rules are consulted). */
export function scopeGrants(scope: ApiKeyScope, action: string, subject: string): boolean {
  const grant = API_KEY_SCOPE_GRANTS[scope];
  return grant.subjects.includes(subject) && (grant.actions === 'all' || grant.actions.includes(action));
}

/** The scopes that would allow `action` on `subject` (for the 403's message). */
export function scopesFor(action: string, subject: string): ApiKeyScope[] {
  return API_KEY_SCOPES.filter((scope) =>
    [...effectiveScopes([scope])].some((granted) => scopeGrants(granted, action, subject)),
  );
}
