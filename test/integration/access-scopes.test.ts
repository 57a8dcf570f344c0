import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages, type Role, ticketEvents, tickets, users } from '../../db/schema/index.js';
import {
  defineAbilityFor,
  messageScope,
  ticketEventScope,
  ticketScope,
  userListScope,
} from '../../src/access/index.js';
import type { Actor, ApiKeyActor, UserActor } from '../../src/context.js';
import type { Db } from '../../src/database.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { makeTicket, makeUser } from '../helpers/factories.js';

// The SQL scopes used by list queries must select exactly the rows the CASL ability allows one by one.
let tdb: TestDatabase;
let db: Db;
const people: UserActor[] = [];
/** API keys: staff visibility cut down to their scopes. Ids need no row: scopes never read api_keys. */
const keyActors: ApiKeyActor[] = [
  { type: 'api_key', id: 1, name: 'tickets', scopes: ['tickets:read'] },
  { type: 'api_key', id: 2, name: 'writer', scopes: ['tickets:write'] },
  { type: 'api_key', id: 3, name: 'users', scopes: ['users:read'] },
  { type: 'api_key', id: 4, name: 'feed', scopes: ['events:read', 'webhooks:manage'] },
];
const actors: Actor[] = [];
const labelOf = (a: Actor) => (a.type === 'user' ? a.role : a.type === 'api_key' ? `key ${a.scopes}` : a.job);

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.database.use(async (d) => d);
  const roles: Role[] = ['user', 'user', 'agent', 'admin'];
  for (const role of roles)
    people.push({ type: 'user', id: (await makeUser(db, { role })).id, role, sessionId: 0 });
  actors.push(...people, ...keyActors, { type: 'system', job: 'auto_close' });
  const inactive = await makeUser(db, { role: 'agent' });
  await db.update(users).set({ active: false }).where(eq(users.id, inactive.id));
  for (const requester of people) {
    for (let i = 0; i < 2; i++) {
      const t = await makeTicket(db, requester.id);
      for (const internal of [false, true]) {
        await db.insert(messages).values({ ticketId: t.id, authorId: people[2]!.id, body: 'x', internal });
        await db
          .insert(ticketEvents)
          .values({ ticketId: t.id, actorId: people[2]!.id, type: 'message.created', data: {}, internal });
      }
    }
  }
});
afterAll(() => tdb.drop());

const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

describe('SQL scopes agree with the abilities', () => {
  it('tickets', async () => {
    const all = await db.select().from(tickets);
    for (const actor of actors) {
      const ability = defineAbilityFor(actor);
      const viaSql = await db.select({ id: tickets.id }).from(tickets).where(ticketScope(actor));
      const viaAbility = all.filter((t) =>
        ability.can('read', { kind: 'Ticket', requesterId: t.requesterId }),
      );
      expect(sorted(viaSql.map((r) => r.id)), labelOf(actor)).toEqual(sorted(viaAbility.map((t) => t.id)));
      // Every person sees some (their own); a key sees all of them or, without tickets:read, none.
      if (actor.type === 'api_key')
        expect(viaAbility.length).toBe(actor.scopes.some((s) => s.startsWith('tickets:')) ? all.length : 0);
      else expect(viaAbility.length).toBeGreaterThan(0);
    }
  });

  it('messages', async () => {
    const all = await db
      .select({ id: messages.id, internal: messages.internal, requesterId: tickets.requesterId })
      .from(messages)
      .innerJoin(tickets, eq(tickets.id, messages.ticketId));
    for (const actor of actors) {
      const ability = defineAbilityFor(actor);
      const viaSql = await db
        .select({ id: messages.id })
        .from(messages)
        .innerJoin(tickets, eq(tickets.id, messages.ticketId))
        .where(messageScope(actor));
      const viaAbility = all.filter((m) =>
        ability.can('read', { kind: 'Message', ticketRequesterId: m.requesterId, internal: m.internal }),
      );
      expect(sorted(viaSql.map((r) => r.id)), labelOf(actor)).toEqual(sorted(viaAbility.map((m) => m.id)));
    }
    // A user's view holds public messages of their own tickets only.
    const userView = all.filter((m) =>
      defineAbilityFor(people[0]!).can('read', {
        kind: 'Message',
        ticketRequesterId: m.requesterId,
        internal: m.internal,
      }),
    );
    expect(userView.every((m) => !m.internal && m.requesterId === people[0]!.id)).toBe(true);
  });

  it('audit events', async () => {
    const all = await db
      .select({ id: ticketEvents.id, internal: ticketEvents.internal, requesterId: tickets.requesterId })
      .from(ticketEvents)
      .innerJoin(tickets, eq(tickets.id, ticketEvents.ticketId));
    for (const actor of actors) {
      const ability = defineAbilityFor(actor);
      const viaSql = await db
        .select({ id: ticketEvents.id })
        .from(ticketEvents)
        .innerJoin(tickets, eq(tickets.id, ticketEvents.ticketId))
        .where(ticketEventScope(actor));
      const viaAbility = all.filter((e) =>
        ability.can('read', { kind: 'TicketEvent', ticketRequesterId: e.requesterId, internal: e.internal }),
      );
      expect(sorted(viaSql.map((r) => r.id)), labelOf(actor)).toEqual(sorted(viaAbility.map((e) => e.id)));
    }
  });

  it('user lists', async () => {
    const all = await db.select().from(users);
    for (const actor of actors) {
      const ability = defineAbilityFor(actor);
      const viaSql = await db.select({ id: users.id }).from(users).where(userListScope(actor));
      const viaAbility = all.filter((u) =>
        ability.can('list', { kind: 'User', id: u.id, role: u.role, active: u.active }),
      );
      expect(sorted(viaSql.map((r) => r.id)), labelOf(actor)).toEqual(sorted(viaAbility.map((u) => u.id)));
    }
  });
});
