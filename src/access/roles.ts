import type { Role } from '../../db/schema/index.js';

/**
 * The roles, named by what they mean to the rest of the code. Outside src/access/ nothing spells a role
 * out or compares one (test/unit/no-role-checks.test.ts checks it): code asks these, or the ability.
 */

/** Support staff: see every ticket, triage and answer it, and are emailed about new tickets. */
export const STAFF_ROLES = ['agent', 'admin'] as const satisfies readonly Role[];

/** Administers accounts; the API keeps at least one active account in this role. */
export const ADMIN_ROLE = 'admin' satisfies Role;

/** People who raise tickets and see only their own: what public registration creates. */
export const REQUESTER_ROLE = 'user' satisfies Role;

export const isStaffRole = (role: Role): boolean => (STAFF_ROLES as readonly Role[]).includes(role);

export const isAdminRole = (role: Role): boolean => role === ADMIN_ROLE;
