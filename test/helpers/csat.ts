import { expect } from 'vitest';
import type { Actor } from './actors.js';
import type { TestApp } from './app.js';
import type { Delivered, Mailbox } from './mailbox.js';

/** The two satisfaction links of a solved email (absolute, as sent) and the token they share. */
export interface CsatLinks {
  good: URL;
  bad: URL;
  token: string;
}

/** The CSAT links in an email's text part, or null when it has none. */
export function csatLinksIn(mail: Delivered): CsatLinks | null {
  const good = /^Good: (\S+)$/m.exec(mail.text)?.[1];
  const bad = /^Bad: +(\S+)$/m.exec(mail.text)?.[1];
  if (!good || !bad) return null;
  const g = new URL(good);
  return { good: g, bad: new URL(bad), token: decodeURIComponent(g.pathname.split('/').at(-1)!) };
}

/** Raises a ticket as `requester`, returns its id. */
export async function raiseTicket(app: TestApp, requester: Actor, subject = 'Desk lamp flickers') {
  const res = await app.http
    .post('/api/v1/tickets')
    .set(...requester.auth)
    .send({ subject, body: 'It flickers at night.' });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/** Moves a ticket as `by` (staff solves, the requester reopens). */
export async function moveTicket(app: TestApp, by: Actor, id: string, to: string) {
  app.clock.advance(1000);
  const res = await app.http
    .post(`/api/v1/tickets/${id}/transitions`)
    .set(...by.auth)
    .send({ to });
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** Solves the ticket as `agent` and returns the links from the requester's solved email. */
export async function solveForLinks(
  app: TestApp,
  mail: Mailbox,
  agent: Actor,
  requester: Actor,
  id: string,
): Promise<CsatLinks> {
  await mail.deliver();
  await moveTicket(app, agent, id, 'solved');
  const mails = await mail.deliver();
  const solved = mails.find((m) => m.to === requester.email && m.subject.includes('solved'));
  expect(solved, 'the requester gets the solved email').toBeDefined();
  const links = csatLinksIn(solved!);
  expect(links, solved!.text).not.toBeNull();
  return links!;
}

/** `Set-Cookie` → the `name=value` pair to send back, and the attributes it was set with. */
export function csrfCookie(setCookie: string[] | string | undefined) {
  const line = [setCookie ?? []].flat().find((c) => c.startsWith('csat_csrf='));
  expect(line, 'the page sets the csat_csrf cookie').toBeDefined();
  return { pair: line!.split(';')[0]!, line: line! };
}

/** The hidden CSRF field of a rating page. */
export const csrfField = (html: string) => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
