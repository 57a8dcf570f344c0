import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages, type Role, ticketCcs, ticketEvents, tickets, users } from '../../db/schema/index.js';
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
  // CCs: the second user is copied on one of the first user's tickets and on one of the agent's; the
  // first user on one of the admin's. Copies are a relation, so the rules must agree on these too.
  const ticketsOf = async (userId: number) =>
    (await db.select().from(tickets).where(eq(tickets.requesterId, userId))).map((t) => t.id);
  const [u0, u1, agent, admin] = people.map((a) => a.id);
  await db.insert(ticketCcs).values([
    { ticketId: (await ticketsOf(u0!))[0]!, userId: u1! },
    { ticketId: (await ticketsOf(agent!))[1]!, userId: u1! },
    { ticketId: (await ticketsOf(admin!))[0]!, userId: u0! },
  ]);
});
afterAll(() => tdb.drop());

const sorted = (ids: number[]) => [...ids].sort((a, b) => a - b);

/** Each ticket's CC ids, as the subjects carry them. */
async function ccMap(): Promise<Map<number, number[]>> {
  const map = new Map<number, number[]>();
  for (const r of await db.select().from(ticketCcs))
    map.set(r.ticketId, [...(map.get(r.ticketId) ?? []), r.userId]);
  return map;
}

describe('SQL scopes agree with the abilities', () => {
  it('tickets', async () => {
    const all = await db.select().from(tickets);
    const ccs = await ccMap();
    for (const actor of actors) {
      const ability = defineAbilityFor(actor);
      const viaSql = await db.select({ id: tickets.id }).from(tickets).where(ticketScope(actor));
      const viaAbility = all.filter((t) =>
        ability.can('read', { kind: 'Ticket', requesterId: t.requesterId, ccIds: ccs.get(t.id) ?? [] }),
      );
      expect(sorted(viaSql.map((r) => r.id)), labelOf(actor)).toEqual(sorted(viaAbility.map((t) => t.id)));
      // Every person sees some (their own); a key sees all of them or, without tickets:read, none.
      if (actor.type === 'api_key')
        expect(viaAbility.length).toBe(actor.scopes.some((s) => s.startsWith('tickets:')) ? all.length : 0);
      else expect(viaAbility.length).toBeGreaterThan(0);
    }
    // The second user reads their own two tickets and the two they are copied on; nobody's else.
    const second = defineAbilityFor(people[1]!);
    const seen = all.filter((t) =>
      second.can('read', { kind: 'Ticket', requesterId: t.requesterId, ccIds: ccs.get(t.id) ?? [] }),
    );
    expect(seen).toHaveLength(4);
    // A CC may not change the ticket: no field of it, no transition.
    const copied = seen.find((t) => t.requesterId !== people[1]!.id)!;
    const subject = { kind: 'Ticket' as const, requesterId: copied.requesterId, ccIds: ccs.get(copied.id)! };
    expect(second.can('update', subject, 'subject')).toBe(false);
    expect(second.can('update', subject, 'ccs')).toBe(false);
    expect(second.can('transition', subject)).toBe(false);
    // The plain-requester shortcut equals the full scope for someone copied on nothing.
    const plain = await db
      .select({ id: tickets.id })
      .from(tickets)
      .where(ticketScope(people[1]!, { ccAnywhere: false }));
    expect(
      plain.map((r) => r.id).every((id) => all.find((t) => t.id === id)!.requesterId === people[1]!.id),
    ).toBe(true);
  });

  it('messages', async () => {
    const all = await db
      .select({
        id: messages.id,
        ticketId: messages.ticketId,
        internal: messages.internal,
        requesterId: tickets.requesterId,
      })
      .from(messages)
      .innerJoin(tickets, eq(tickets.id, messages.ticketId));
    const ccs = await ccMap();
    for (const actor of actors) {
      const ability = defineAbilityFor(actor);
      const viaSql = await db
        .select({ id: messages.id })
        .from(messages)
        .innerJoin(tickets, eq(tickets.id, messages.ticketId))
        .where(messageScope(actor));
      const viaAbility = all.filter((m) =>
        ability.can('read', {
          kind: 'Message',
          ticketRequesterId: m.requesterId,
          ticketCcIds: ccs.get(m.ticketId) ?? [],
          internal: m.internal,
        }),
      );
      expect(sorted(viaSql.map((r) => r.id)), labelOf(actor)).toEqual(sorted(viaAbility.map((m) => m.id)));
    }
    // A user's view holds public messages of their own tickets and of those they are copied on, only.
    for (const user of [people[0]!, people[1]!]) {
      const userView = all.filter((m) =>
        defineAbilityFor(user).can('read', {
          kind: 'Message',
          ticketRequesterId: m.requesterId,
          ticketCcIds: ccs.get(m.ticketId) ?? [],
          internal: m.internal,
        }),
      );
      expect(
        userView.every(
          (m) => !m.internal && (m.requesterId === user.id || (ccs.get(m.ticketId) ?? []).includes(user.id)),
        ),
      ).toBe(true);
      expect(userView.some((m) => m.requesterId !== user.id)).toBe(true);
    }
  });

  it('audit events', async () => {
    const all = await db
      .select({
        id: ticketEvents.id,
        ticketId: ticketEvents.ticketId,
        internal: ticketEvents.internal,
        requesterId: tickets.requesterId,
      })
      .from(ticketEvents)
      .innerJoin(tickets, eq(tickets.id, ticketEvents.ticketId));
    const ccs = await ccMap();
    for (const actor of actors) {
      const ability = defineAbilityFor(actor);
      const viaSql = await db
        .select({ id: ticketEvents.id })
        .from(ticketEvents)
        .innerJoin(tickets, eq(tickets.id, ticketEvents.ticketId))
        .where(ticketEventScope(actor));
      const viaAbility = all.filter((e) =>
        ability.can('read', {
          kind: 'TicketEvent',
          ticketRequesterId: e.requesterId,
          ticketCcIds: ccs.get(e.ticketId) ?? [],
          internal: e.internal,
        }),
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
