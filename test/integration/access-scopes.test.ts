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
import type { UserActor } from '../../src/context.js';
import type { Db } from '../../src/database.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { makeTicket, makeUser } from '../helpers/factories.js';

// The SQL scopes used by list queries must select exactly the rows the CASL ability allows one by one.
let tdb: TestDatabase;
let db: Db;
const actors: UserActor[] = [];

beforeAll(async () => {
  tdb = await createTestDatabase();
  db = await tdb.database.use(async (d) => d);
  const roles: Role[] = ['user', 'user', 'agent', 'admin'];
  for (const role of roles)
    actors.push({ type: 'user', id: (await makeUser(db, { role })).id, role, sessionId: 0 });
  const inactive = await makeUser(db, { role: 'agent' });
  await db.update(users).set({ active: false }).where(eq(users.id, inactive.id));
  for (const requester of actors) {
    for (let i = 0; i < 2; i++) {
      const t = await makeTicket(db, requester.id);
      for (const internal of [false, true]) {
        await db.insert(messages).values({ ticketId: t.id, authorId: actors[2]!.id, body: 'x', internal });
        await db
          .insert(ticketEvents)
          .values({ ticketId: t.id, actorId: actors[2]!.id, type: 'message.created', data: {}, internal });
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
      expect(sorted(viaSql.map((r) => r.id)), actor.role).toEqual(sorted(viaAbility.map((t) => t.id)));
      expect(viaAbility.length).toBeGreaterThan(0);
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
      expect(sorted(viaSql.map((r) => r.id)), actor.role).toEqual(sorted(viaAbility.map((m) => m.id)));
    }
    // A user's view holds public messages of their own tickets only.
    const userView = all.filter((m) =>
      defineAbilityFor(actors[0]!).can('read', {
        kind: 'Message',
        ticketRequesterId: m.requesterId,
        internal: m.internal,
      }),
    );
    expect(userView.every((m) => !m.internal && m.requesterId === actors[0]!.id)).toBe(true);
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
      expect(sorted(viaSql.map((r) => r.id)), actor.role).toEqual(sorted(viaAbility.map((e) => e.id)));
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
      expect(sorted(viaSql.map((r) => r.id)), actor.role).toEqual(sorted(viaAbility.map((u) => u.id)));
    }
  });
});
