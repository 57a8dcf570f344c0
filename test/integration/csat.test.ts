import { beforeAll, describe, expect, it } from 'vitest';
import { type Actor, signIn } from '../helpers/actors.js';
import { useTestApp } from '../helpers/app.js';
import { csrfCookie, csrfField, moveTicket, raiseTicket, solveForLinks } from '../helpers/csat.js';
import { useMailbox } from '../helpers/mailbox.js';

// Satisfaction (CSAT): the solved email's two signed links record a rating (GET) and offer a comment
// form (POST); one rating per solve, the latest wins; the ticket shows it to staff, keys and the
// requester; every change is a `ticket.rated` event through the commit path.
const env = useTestApp();
const mail = useMailbox(env);
let requester: Actor;
let agent: Actor;
let admin: Actor;
let stranger: Actor;

beforeAll(async () => {
  [requester, agent, admin, stranger] = await Promise.all([
    signIn(env.app.http, env.db.database, 'user'),
    signIn(env.app.http, env.db.database, 'agent'),
    signIn(env.app.http, env.db.database, 'admin'),
    signIn(env.app.http, env.db.database, 'user'),
  ]);
});

const api = () => env.app.http;
const open = (link: URL) => api().get(`${link.pathname}${link.search}`);
const ticket = (by: Actor | string, id: string) =>
  api()
    .get(`/api/v1/tickets/${id}`)
    .set('Authorization', typeof by === 'string' ? `Bearer ${by}` : by.auth[1]);
const ratedEvents = async (id: string) => {
  const res = await api()
    .get(`/api/v1/tickets/${id}/events`)
    .set(...agent.auth);
  expect(res.status).toBe(200);
  return (res.body.data as { type: string; data: Record<string, unknown>; actor: { id?: string } }[]).filter(
    (e) => e.type === 'ticket.rated',
  );
};

describe('CSAT links and page', () => {
  it('rates from the email, takes a comment, and shows it on the ticket', async () => {
    const id = await raiseTicket(env.app, requester);
    const links = await solveForLinks(env.app, mail, agent, requester, id);
    expect(links.good.origin).toBe(env.app.deps.config.appUrl);
    expect(links.good.pathname).toBe(links.bad.pathname);

    // A HEAD (a link checker's) records nothing.
    const head = await api().head(`${links.good.pathname}${links.good.search}`);
    expect(head.status).toBe(200);
    expect((await ticket(agent, id)).body.satisfaction).toBeNull();

    const page = await open(links.good);
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('<strong id="rating">Good</strong>');
    const cookie = csrfCookie(page.headers['set-cookie']);
    expect(cookie.line).toMatch(/Path=\/csat/);
    expect(cookie.line).toMatch(/HttpOnly/);
    expect(cookie.line).toMatch(/SameSite=Strict/);
    expect(cookie.pair).toBe(`csat_csrf=${csrfField(page.text)}`);

    let seen = await ticket(agent, id);
    expect(seen.body.satisfaction).toEqual({ rating: 'good', comment: null, ratedAt: expect.any(String) });
    let events = await ratedEvents(id);
    expect(events.map((e) => e.data)).toEqual([{ rating: 'good', previousRating: null, comment: null }]);
    expect(events[0]!.actor.id).toBe(requester.id);

    const sent = await api()
      .post(links.good.pathname)
      .set('Cookie', cookie.pair)
      .type('form')
      .send({ csrf: csrfField(page.text), rating: 'bad', comment: 'Took three tries.\nStill, thanks.' });
    expect(sent.status, sent.text).toBe(200);
    expect(sent.text).toContain('<strong id="rating">Bad</strong>');
    expect(sent.text).toContain('Took three tries.<br>Still, thanks.');
    seen = await ticket(agent, id);
    expect(seen.body.satisfaction).toMatchObject({
      rating: 'bad',
      comment: 'Took three tries.\nStill, thanks.',
    });
    events = await ratedEvents(id);
    expect(events.at(-1)!.data).toEqual({
      rating: 'bad',
      previousRating: 'good',
      comment: 'Took three tries.\nStill, thanks.',
    });

    // The requester sees it, a stranger cannot see the ticket at all, a tickets:read key sees it.
    expect((await ticket(requester, id)).body.satisfaction.rating).toBe('bad');
    expect((await ticket(stranger, id)).status).toBe(404);
    const key = await api()
      .post('/api/v1/api-keys')
      .set(...admin.auth)
      .send({ name: 'csat reader', scopes: ['tickets:read'] });
    expect(key.status).toBe(201);
    expect((await ticket(key.body.key, id)).body.satisfaction.rating).toBe('bad');
    // The OpenAPI document describes the field and the event.
    const doc = await api().get('/openapi.json');
    expect(doc.body.components.schemas.Ticket.properties.satisfaction).toBeDefined();
    expect(JSON.stringify(doc.body)).toContain('ticket.rated');
  });

  it('a CC sees neither the rating nor its event; the requester sees the rating, staff the event', async () => {
    const cc = await signIn(env.app.http, env.db.database, 'user');
    const id = await raiseTicket(env.app, requester);
    const copied = await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .send({ ccs: [cc.email] });
    expect(copied.status, copied.text).toBe(200);
    const links = await solveForLinks(env.app, mail, agent, requester, id);
    const before = (await ticket(requester, id)).body.version;
    expect((await open(links.bad)).status).toBe(200);
    const mine = await ticket(requester, id);
    expect(mine.body.satisfaction.rating).toBe('bad');
    expect(mine.body.version).toBe(before + 1);
    const theirs = await ticket(cc, id);
    expect(theirs.status).toBe(200);
    expect(theirs.body.satisfaction).toBeNull();
    for (const who of [cc, requester]) {
      const events = await api()
        .get(`/api/v1/tickets/${id}/events`)
        .set(...who.auth);
      expect(events.body.data.map((e: { type: string }) => e.type)).not.toContain('ticket.rated');
    }
    expect(await ratedEvents(id)).toHaveLength(1);
    // The change feed (what webhooks deliver) carries it too.
    const feed = await api()
      .get('/api/v1/events')
      .query({ ticketId: id, limit: 100 })
      .set(...admin.auth);
    expect(feed.status, feed.text).toBe(200);
    const inFeed = (feed.body.data as { type: string; ticketId: string }[]).filter(
      (e) => e.type === 'ticket.rated' && e.ticketId === id,
    );
    expect(inFeed).toHaveLength(1);
  });

  it('the latest rating wins; the same rating again writes nothing', async () => {
    const id = await raiseTicket(env.app, requester);
    const links = await solveForLinks(env.app, mail, agent, requester, id);
    expect((await open(links.good)).status).toBe(200);
    const v1 = (await ticket(agent, id)).body.version;
    env.app.clock.advance(1000);
    expect((await open(links.good)).status).toBe(200);
    expect((await ticket(agent, id)).body.version).toBe(v1);
    expect(await ratedEvents(id)).toHaveLength(1);
    env.app.clock.advance(1000);
    expect((await open(links.bad)).status).toBe(200);
    const after = await ticket(agent, id);
    expect(after.body.satisfaction.rating).toBe('bad');
    expect(after.body.version).toBe(v1 + 1);
    expect((await ratedEvents(id)).map((e) => e.data.rating)).toEqual(['good', 'bad']);
  });

  it('a link is used up once the ticket is reopened; the next solve brings new links', async () => {
    const id = await raiseTicket(env.app, requester);
    const first = await solveForLinks(env.app, mail, agent, requester, id);
    expect((await open(first.good)).status).toBe(200);
    await moveTicket(env.app, requester, id, 'open');
    const gone = await open(first.bad);
    expect(gone.status).toBe(410);
    expect(gone.headers['content-type']).toMatch(/^text\/html/);
    expect(gone.text).toContain('no longer valid');
    const second = await solveForLinks(env.app, mail, agent, requester, id);
    expect(second.token).not.toBe(first.token);
    expect((await open(first.bad)).status).toBe(410);
    // The first rating of a new solve is written even when it is the same value (its own time).
    const before = (await ticket(agent, id)).body.satisfaction;
    env.app.clock.advance(1000);
    expect((await open(second.good)).status).toBe(200);
    const now = (await ticket(agent, id)).body.satisfaction;
    expect(now.rating).toBe('good');
    expect(now.ratedAt > before.ratedAt).toBe(true);
    expect(await ratedEvents(id)).toHaveLength(2);
  });

  it('a closed ticket may still be rated for its solve; a merged one may not', async () => {
    const id = await raiseTicket(env.app, requester);
    const links = await solveForLinks(env.app, mail, agent, requester, id);
    await moveTicket(env.app, agent, id, 'closed');
    expect((await open(links.bad)).status).toBe(200);
    expect((await ticket(agent, id)).body.satisfaction.rating).toBe('bad');

    const source = await raiseTicket(env.app, requester, 'Duplicate lamp');
    const target = await raiseTicket(env.app, requester, 'Lamp, again');
    const merged = await solveForLinks(env.app, mail, agent, requester, source);
    await moveTicket(env.app, requester, source, 'open');
    const res = await api()
      .post(`/api/v1/tickets/${target}/merge`)
      .set(...agent.auth)
      .send({ sourceIds: [source] });
    expect(res.status, res.text).toBe(200);
    expect((await open(merged.good)).status).toBe(410);
  });

  it('only the requester gets links: staff and CCs get the plain solved email', async () => {
    const id = await raiseTicket(env.app, requester);
    await api()
      .patch(`/api/v1/tickets/${id}`)
      .set(...agent.auth)
      .send({ assigneeId: agent.id });
    await mail.deliver();
    await moveTicket(env.app, admin, id, 'solved');
    const mails = await mail.deliver();
    const toAgent = mails.find((m) => m.to === agent.email)!;
    const toRequester = mails.find((m) => m.to === requester.email)!;
    expect(toAgent.text).not.toContain('/csat/');
    expect(toRequester.text).toContain('/csat/');
    expect(toRequester.html).toMatch(/href="http[^"]+\/csat\/[^"]+\?rating=good"/);
    expect(toRequester.html).toMatch(/href="http[^"]+\/csat\/[^"]+\?rating=bad"/);
  });
  it('refuses tampered, expired and malformed links with a 4xx page, storing nothing', async () => {
    const id = await raiseTicket(env.app, requester);
    const links = await solveForLinks(env.app, mail, agent, requester, id);
    const [h, p, s] = links.token.split('.');
    const forged = `${h}.${p}.${s!.slice(0, -2)}${s!.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const path of [
      `/csat/${forged}?rating=good`,
      `/csat/not-a-token?rating=good`,
      `/csat/${'x'.repeat(5000)}?rating=good`,
      `/csat/${encodeURIComponent('<script>alert(1)</script>')}?rating=good`,
      '/csat/%E0%A4%A?rating=good',
      '/csat/%ED%A0%80?rating=%ED%A0%80',
      `/csat/${encodeURIComponent('tok\u0000en\u202E')}?rating=good`,
    ]) {
      const res = await api().get(path);
      expect(res.status, path).toBe(400);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.text).not.toContain('<script>alert');
    }
    for (const rating of ['meh', '', 'GOOD', 'good\u0000', 'good&rating=bad']) {
      const res = await api().get(`${links.good.pathname}?rating=${encodeURIComponent(rating)}`);
      expect(res.status, rating).toBe(400);
    }
    expect((await api().get(links.good.pathname)).status).toBe(400);
    expect((await ticket(agent, id)).body.satisfaction).toBeNull();

    // Last in the file: the clock jumps past the links' lifetime (and every access token's, so a fresh
    // sign-in reads the ticket).
    env.app.clock.advance((env.app.deps.config.csatLinkTtlSeconds + 60) * 1000);
    const expired = await open(links.good);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('expired');
    const late = await signIn(env.app.http, env.db.database, 'agent');
    expect((await ticket(late, id)).body.satisfaction).toBeNull();
  });
});
