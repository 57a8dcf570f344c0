// Example values for the OpenAPI document: one consistent story (Ada raises ticket #1042, agent Grace
// answers), so the examples in /docs read as one conversation. The route definitions attach them to
// their request and response bodies; test/integration/openapi.test.ts requires one on every body, and
// `jsonContent`/`jsonBody` type-check each against its schema.

const at = '2026-11-21T20:40:52.123Z';
const later = '2026-11-21T21:05:10.004Z';

const ada = { id: '42', name: 'Ada Lovelace', email: 'ada@example.com' };
const grace = { id: '7', name: 'Grace Hopper', email: 'grace@example.com' };

export const userExample = {
  ...ada,
  role: 'user' as const,
  emailVerified: true,
  active: true,
  notifications: { email: true },
  createdAt: at,
};

export const tokenPairExample = {
  user: userExample,
  accessToken: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiIsInJvbGUiOiJ1c2VyIn0.c2lnbmF0dXJl',
  refreshToken: 'q7Xh2mT0s1bVd9yKc3LwZp8RfA5nJgE4uHiOkN6vBrM',
  tokenType: 'Bearer' as const,
  expiresIn: 900,
};

export const ticketExample = {
  id: '1042',
  subject: 'Cannot print invoices',
  status: 'open' as const,
  priority: 'high' as const,
  tags: ['printer'],
  requester: ada,
  assignee: grace,
  group: { id: '3', name: 'Billing' },
  sla: {
    policyId: '1',
    firstResponseDueAt: null,
    nextResponseDueAt: null,
    resolutionDueAt: '2026-11-23T16:00:00.000Z',
    breached: [] as ('first_response' | 'next_response' | 'resolution')[],
  },
  createdAt: at,
  updatedAt: later,
  firstResponseAt: later,
  solvedAt: null,
  closedAt: null,
  ccs: [{ id: '311', name: 'Alan', email: 'alan@example.com' }],
  followers: [grace],
  fields: { plan: 'pro' },
  satisfaction: null,
  mergedInto: null,
  version: 3,
};

export const messageExample = {
  id: '5120',
  ticketId: '1042',
  author: { type: 'user' as const, id: grace.id, name: grace.name, role: 'agent' as const },
  body: 'Load letter-size paper in tray 2, then print again.',
  internal: false,
  createdAt: later,
  attachments: [{ id: '77', filename: 'tray-2.png', contentType: 'image/png', size: 48213 }],
};

export const ticketEventExample = {
  id: '9001',
  ticketId: '1042',
  type: 'ticket.status_changed',
  actor: { type: 'user' as const, id: grace.id, name: grace.name, role: 'agent' as const },
  data: { from: 'new', to: 'open' },
  createdAt: later,
};

export const notificationExample = {
  id: '3307',
  event: 'ticket.status_changed',
  recipient: 'ada@example.com',
  status: 'sent' as const,
  attempts: 1,
  lastError: null,
  sentAt: later,
};

export const sessionListExample = {
  data: [
    {
      id: '17',
      createdAt: at,
      lastUsedAt: later,
      userAgent: 'curl/8.5.0',
      ip: '203.0.113.9',
      current: true,
    },
  ],
};

/** A page of one item, with the cursor of the next page. */
export const pageExample = <T>(item: T) => ({ data: [item], nextCursor: 'WyIyMDI2LTExLTIxIiwxMDQyXQ' });

export const healthExample = { status: 'ok' as const };

/** An admin creating a staff account (POST /users). */
export const createUserExample = {
  email: grace.email,
  name: grace.name,
  role: 'agent' as const,
  password: 'nanoseconds-11.8-inches',
};

/** An admin promoting a user to agent (PATCH /users/{id}). */
export const promoteUserExample = { role: 'agent' as const };
