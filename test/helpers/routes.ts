/**
 * Every operation of the API, one row each: the table `test/integration/openapi.test.ts` checks the
 * document against and `test/integration/contract.test.ts` sends requests from. The contract test fails
 * when the app's /openapi.json has an operation this table lacks, or the table a row the app lacks, so a
 * new route gets the common tests by being added here, in one line.
 *
 * - `auth`: needs a bearer token (then: 401 problem without one, and with a garbage one).
 * - `errors`: statuses its document must describe besides 401.
 * - `body` (write methods only): `'none'` when the route takes no request body (a body sent anyway is
 *   ignored), `'multipart'` for a file upload (its own tests cover bad bodies; the stranger test sends a
 *   small file), `'json'` when it takes JSON. A JSON body gets the malformed-body checks (400 for bytes that
 *   are not JSON, 422 with `errors[]` for JSON of the wrong shape). A write under `/tickets/{id}` gives
 *   a valid body instead of `'json'`: the stranger test sends it and expects a 404 with nothing changed.
 *   `'raw'` when it takes a body that is not JSON (raw inbound mail): its own tests check it.
 * - Paths under `/api/v1/tickets/{id}` are tried as a stranger (a `user` who is not the requester).
 */
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
export type JsonBody = Record<string, unknown>;

export interface Route {
  method: Method;
  path: string;
  auth: boolean;
  errors: number[];
  body?: 'none' | 'json' | 'raw' | 'multipart' | JsonBody;
}

const route = (method: Method, path: string, auth: boolean, errors: number[], body?: Route['body']): Route =>
  body === undefined ? { method, path, auth, errors } : { method, path, auth, errors, body };

const PUBLIC = false;
const AUTH = true;
const NONE = 'none';
const BODY = 'json';

export const ROUTES: Route[] = [
  route('post', '/api/v1/auth/register', PUBLIC, [409, 422], BODY),
  route('post', '/api/v1/auth/login', PUBLIC, [401, 403, 422], BODY),
  route('post', '/api/v1/auth/refresh', PUBLIC, [401, 422], BODY),
  route('post', '/api/v1/auth/logout', PUBLIC, [422], BODY),
  route('post', '/api/v1/auth/logout-all', AUTH, [], NONE),
  route('get', '/api/v1/auth/sessions', AUTH, []),
  route('delete', '/api/v1/auth/sessions/{id}', AUTH, [404], NONE),
  route('post', '/api/v1/auth/password', AUTH, [422], BODY),
  route('post', '/api/v1/auth/password-reset', PUBLIC, [422], BODY),
  route('post', '/api/v1/auth/password-reset/confirm', PUBLIC, [400, 422], BODY),
  route('get', '/api/v1/me', AUTH, []),
  route('patch', '/api/v1/me', AUTH, [422], BODY),
  route('get', '/api/v1/users', AUTH, [403]),
  route('get', '/api/v1/users/{id}', AUTH, [404]),
  route('post', '/api/v1/users', AUTH, [403, 409, 422], BODY),
  route('patch', '/api/v1/users/{id}', AUTH, [403, 404, 409, 422], BODY),
  route('post', '/api/v1/tickets', AUTH, [403, 422], BODY),
  route('get', '/api/v1/tickets', AUTH, [400, 422]),
  route('post', '/api/v1/tickets/bulk', AUTH, [403, 422], BODY),
  route('get', '/api/v1/tickets/{id}', AUTH, [404]),
  route('patch', '/api/v1/tickets/{id}', AUTH, [403, 404, 412, 422], { subject: 'Changed by a stranger' }),
  route('get', '/api/v1/tickets/{id}/transitions', AUTH, [404]),
  route('post', '/api/v1/tickets/{id}/transitions', AUTH, [403, 404, 409, 412, 422], { to: 'solved' }),
  route('put', '/api/v1/tickets/{id}/followers/me', AUTH, [403, 404], NONE),
  route('delete', '/api/v1/tickets/{id}/followers/me', AUTH, [403, 404], NONE),
  route('post', '/api/v1/tickets/{id}/merge', AUTH, [403, 404, 422], { sourceIds: ['1'] }),
  route('get', '/api/v1/tickets/{id}/messages', AUTH, [404]),
  route('post', '/api/v1/macros', AUTH, [403, 422], BODY),
  route('post', '/api/v1/ticket-fields', AUTH, [403, 409, 422], BODY),
  route('get', '/api/v1/ticket-fields', AUTH, []),
  route('patch', '/api/v1/ticket-fields/{id}', AUTH, [403, 404, 422], BODY),
  route('delete', '/api/v1/ticket-fields/{id}', AUTH, [403, 404], NONE),
  route('get', '/api/v1/macros', AUTH, [403]),
  route('get', '/api/v1/macros/{id}', AUTH, [403, 404]),
  route('patch', '/api/v1/macros/{id}', AUTH, [403, 404, 422], BODY),
  route('delete', '/api/v1/macros/{id}', AUTH, [403, 404], NONE),
  route('post', '/api/v1/tickets/{id}/macros/{macroId}/apply', AUTH, [403, 404, 409, 412, 422], NONE),
  route('post', '/api/v1/tickets/{id}/messages', AUTH, [404, 409, 412, 422], { body: 'A stranger writes.' }),
  route('get', '/api/v1/tickets/{id}/events', AUTH, [404]),
  route('post', '/api/v1/tickets/{id}/attachments', AUTH, [400, 404, 409, 413, 415, 422, 503], 'multipart'),
  route('get', '/api/v1/attachments/{id}', AUTH, [404, 503]),
  route('get', '/api/v1/tickets/{id}/notifications', AUTH, [403, 404]),
  route('post', '/api/v1/auth/verify-email', PUBLIC, [400, 422], BODY),
  route('post', '/api/v1/auth/verify-email/resend', AUTH, [409, 429], NONE),
  route('post', '/api/v1/notifications/{id}/requeue', AUTH, [404, 409], NONE),
  route('get', '/api/v1/events', AUTH, [400, 403, 422]),
  route('get', '/api/v1/tickets/export', AUTH, [400, 403, 422]),
  route('get', '/api/v1/reports/summary', AUTH, [403, 422]),
  route('get', '/api/v1/reports/timeseries', AUTH, [403, 422]),
  route('get', '/api/v1/audit-log', AUTH, [400, 403, 422]),
  route('post', '/api/v1/api-keys', AUTH, [400, 403, 422], BODY),
  route('get', '/api/v1/api-keys', AUTH, [400, 403, 422]),
  route('delete', '/api/v1/api-keys/{id}', AUTH, [403, 404], NONE),
  route('post', '/api/v1/webhooks', AUTH, [403, 422], BODY),
  route('get', '/api/v1/webhooks', AUTH, [400, 403, 422]),
  route('get', '/api/v1/webhooks/{id}', AUTH, [403, 404]),
  route('patch', '/api/v1/webhooks/{id}', AUTH, [403, 404, 422], BODY),
  route('delete', '/api/v1/webhooks/{id}', AUTH, [403, 404], NONE),
  route('post', '/api/v1/webhooks/{id}/test', AUTH, [403, 404], NONE),
  route('get', '/api/v1/webhooks/{id}/deliveries', AUTH, [400, 403, 404, 422]),
  route('post', '/api/v1/webhooks/{id}/deliveries/{deliveryId}/retry', AUTH, [403, 404], NONE),
  route('get', '/api/v1/groups', AUTH, [400, 403, 422]),
  route('get', '/api/v1/groups/{id}', AUTH, [403, 404]),
  route('post', '/api/v1/groups', AUTH, [403, 409, 422], BODY),
  route('patch', '/api/v1/groups/{id}', AUTH, [403, 404, 409, 422], BODY),
  route('delete', '/api/v1/groups/{id}', AUTH, [403, 404], NONE),
  route('get', '/api/v1/business-hours', AUTH, [403, 404]),
  route('put', '/api/v1/business-hours', AUTH, [403, 422], BODY),
  route('get', '/api/v1/sla-policies', AUTH, [400, 403, 422]),
  route('get', '/api/v1/sla-policies/{id}', AUTH, [403, 404]),
  route('post', '/api/v1/sla-policies', AUTH, [403, 422], BODY),
  route('patch', '/api/v1/sla-policies/{id}', AUTH, [403, 404, 422], BODY),
  route('delete', '/api/v1/sla-policies/{id}', AUTH, [403, 404], NONE),
  route('post', '/api/v1/inbound/email', AUTH, [403, 413, 415], 'raw'),
  route('get', '/api/v1/inbound/emails', AUTH, [400, 403, 422]),
  route('get', '/health', PUBLIC, []),
  route('get', '/ready', PUBLIC, [503]),
];

/** `POST /api/v1/tickets` — how test names refer to a route. */
export const label = (r: Pick<Route, 'method' | 'path'>) => `${r.method.toUpperCase()} ${r.path}`;

export const isWrite = (r: Route) => r.method !== 'get';

/** Routes a stranger must get a 404 from: the ticket and everything under it. */
export const isTicketScoped = (r: Route) =>
  r.path === '/api/v1/tickets/{id}' || r.path.startsWith('/api/v1/tickets/{id}/');
