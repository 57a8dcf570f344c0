import { randomBytes } from 'node:crypto';
import type supertest from 'supertest';
import { expect } from 'vitest';

type Http = ReturnType<typeof supertest>;

export const PASSWORD = 'correct horse battery';

export const uniqueEmail = (prefix = 'u') => `${prefix}-${randomBytes(5).toString('hex')}@example.test`;

/** What register and login return. */
export interface SignedIn {
  user: { id: string; email: string; name: string; role: string };
  accessToken: string;
  refreshToken: string;
}

/** Registers a fresh `user` through the API (a new session). */
export async function register(
  http: Http,
  overrides: { email?: string; password?: string; name?: string } = {},
): Promise<SignedIn & { email: string; password: string }> {
  const password = overrides.password ?? PASSWORD;
  const res = await http
    .post('/api/v1/auth/register')
    .send({ email: uniqueEmail(), name: 'Ada Lovelace', ...overrides, password });
  expect(res.status, res.text).toBe(201);
  const body = res.body as SignedIn;
  return { ...body, email: body.user.email, password };
}

/** Logs in through the API (a new session), optionally with a User-Agent to tell sessions apart. */
export async function login(
  http: Http,
  account: { email: string; password: string },
  userAgent = 'vitest',
): Promise<SignedIn> {
  const res = await http
    .post('/api/v1/auth/login')
    .set('User-Agent', userAgent)
    .send({ email: account.email, password: account.password });
  expect(res.status, res.text).toBe(200);
  return res.body as SignedIn;
}

/** Asserts an RFC 9457 problem response with the given status and stable code. */
export function expectProblem(res: supertest.Response, status: number, code: string): void {
  expect(res.status, res.text).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, code, type: expect.stringMatching(new RegExp(`/${code}$`)) });
  expect(typeof res.body.title).toBe('string');
  expect(typeof res.body.detail).toBe('string');
  // Every problem the app answers names its request (only Node's answers to unparsable requests have none).
  const requestId = res.headers['x-request-id'];
  if (requestId) expect(res.body.instance).toBe(`urn:request:${requestId}`);
}
