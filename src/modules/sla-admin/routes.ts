import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { IdParam } from '../../http/ids.js';
import { createRouter } from '../../http/openapi.js';
import { PageQuery } from '../../http/pagination.js';
import {
  invalidBodyResponses,
  invalidCursorResponse,
  jsonBody,
  jsonContent,
  problemResponse,
  unauthenticatedResponse,
  validationFailedResponse,
} from '../../http/schemas.js';
import {
  BusinessHours,
  BusinessHoursInput,
  businessHoursExample,
  CreateSlaPolicyInput,
  SlaPolicy,
  SlaPolicyPage,
  slaPolicyExample,
  UpdateSlaPolicyInput,
} from './schemas.js';
import * as sla from './service.js';

const common = { tags: ['SLAs'], ...authenticated() };
const forbidden = problemResponse('`forbidden`: agents may read this, only admins change it', ['forbidden']);
const notFound = problemResponse('`not_found`', ['not_found']);
const recompute =
  ' Re-derives the SLA due times of every ticket that is not solved or closed, in the same transaction. Audited.';

const getHoursRoute = createRoute({
  ...common,
  method: 'get',
  path: '/business-hours',
  operationId: 'getBusinessHours',
  summary: 'The business-hours calendar (staff)',
  description: '404 until an admin has set one; until then business-hours policies count round the clock.',
  responses: {
    200: {
      description: 'The calendar',
      ...jsonContent(BusinessHours, { ...businessHoursExample, updatedAt: '2026-11-21T20:40:52.123Z' }),
    },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

const putHoursRoute = createRoute({
  ...common,
  method: 'put',
  path: '/business-hours',
  operationId: 'putBusinessHours',
  summary: 'Set the business-hours calendar (admin)',
  description:
    'Weekly `[start, end)` ranges of local wall-clock time per day (`HH:MM`; `24:00` only as an end, for ' +
    '"until midnight"; ranges of a day must not overlap; a range cannot cross midnight: split it). Holidays ' +
    'are local dates without business hours (at most 1000). A DST change counts real minutes: a local time ' +
    'that does not exist is not business time, a repeated one counts twice. At least one day must have hours; ' +
    'an unknown IANA time zone is 422.' +
    recompute,
  request: jsonBody(BusinessHoursInput, businessHoursExample),
  responses: {
    200: {
      description: 'The calendar',
      ...jsonContent(BusinessHours, { ...businessHoursExample, updatedAt: '2026-11-21T20:40:52.123Z' }),
    },
    401: unauthenticatedResponse,
    403: forbidden,
    ...invalidBodyResponses,
  },
});

const listRoute = createRoute({
  ...common,
  method: 'get',
  path: '/sla-policies',
  operationId: 'listSlaPolicies',
  summary: 'List SLA policies (staff)',
  description:
    'In the order they are tried: `position`, then id. The first policy whose `match` fits a ticket applies.',
  request: { query: PageQuery },
  responses: {
    200: {
      description: 'A page of policies',
      ...jsonContent(SlaPolicyPage, { data: [slaPolicyExample], nextCursor: null }),
    },
    400: invalidCursorResponse,
    401: unauthenticatedResponse,
    403: forbidden,
    422: validationFailedResponse,
  },
});

const getRoute = createRoute({
  ...common,
  method: 'get',
  path: '/sla-policies/{id}',
  operationId: 'getSlaPolicy',
  summary: 'One SLA policy (staff)',
  request: { params: IdParam },
  responses: {
    200: { description: 'The policy', ...jsonContent(SlaPolicy, slaPolicyExample) },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

const createPolicyRoute = createRoute({
  ...common,
  method: 'post',
  path: '/sla-policies',
  operationId: 'createSlaPolicy',
  summary: 'Create an SLA policy (admin)',
  description:
    'At least one target (minutes, 1–100000); `businessHours` counts them in the calendar’s minutes. ' +
    'Clocks: first response runs from creation to the first public staff reply; next response from a ' +
    'requester message (after the first response) to the next public staff reply; resolution runs while ' +
    '`new`/`open`, pauses in `pending`/`on_hold` and stops at `solved`.' +
    recompute,
  request: jsonBody(CreateSlaPolicyInput, {
    name: 'Urgent',
    position: 10,
    match: { priorities: ['urgent', 'high'] },
    targets: { firstResponseMinutes: 60, resolutionMinutes: 1440 },
    businessHours: true,
  }),
  responses: {
    201: {
      description: 'Created',
      headers: { Location: { description: 'The new policy', schema: { type: 'string' } } },
      ...jsonContent(SlaPolicy, slaPolicyExample),
    },
    401: unauthenticatedResponse,
    403: forbidden,
    ...invalidBodyResponses,
  },
});

const updateRoute = createRoute({
  ...common,
  method: 'patch',
  path: '/sla-policies/{id}',
  operationId: 'updateSlaPolicy',
  summary: 'Change an SLA policy (admin)',
  description: `\`match\` and \`targets\` are replaced whole when given.${recompute}`,
  request: { params: IdParam, ...jsonBody(UpdateSlaPolicyInput, { targets: { firstResponseMinutes: 30 } }) },
  responses: {
    200: { description: 'The policy', ...jsonContent(SlaPolicy, slaPolicyExample) },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
    ...invalidBodyResponses,
  },
});

const deleteRoute = createRoute({
  ...common,
  method: 'delete',
  path: '/sla-policies/{id}',
  operationId: 'deleteSlaPolicy',
  summary: 'Delete an SLA policy (admin)',
  description: `Tickets it applied to fall to the next matching policy, or to none.${recompute}`,
  request: { params: IdParam },
  responses: {
    204: { description: 'Deleted' },
    401: unauthenticatedResponse,
    403: forbidden,
    404: notFound,
  },
});

/** /business-hours and /sla-policies. */
export function slaAdminRoutes() {
  return createRouter()
    .openapi(getHoursRoute, async (c) => c.json(await sla.getBusinessHours(serviceContext(c)), 200))
    .openapi(putHoursRoute, async (c) =>
      c.json(await sla.putBusinessHours(serviceContext(c), c.req.valid('json')), 200),
    )
    .openapi(listRoute, async (c) =>
      c.json(await sla.listPolicies(serviceContext(c), c.req.valid('query')), 200),
    )
    .openapi(getRoute, async (c) =>
      c.json(await sla.getPolicy(serviceContext(c), c.req.valid('param').id), 200),
    )
    .openapi(createPolicyRoute, async (c) => {
      const policy = await sla.createPolicy(serviceContext(c), c.req.valid('json'));
      c.header('Location', `${c.req.path}/${policy.id}`);
      return c.json(policy, 201);
    })
    .openapi(updateRoute, async (c) =>
      c.json(await sla.updatePolicy(serviceContext(c), c.req.valid('param').id, c.req.valid('json')), 200),
    )
    .openapi(deleteRoute, async (c) => {
      await sla.deletePolicy(serviceContext(c), c.req.valid('param').id);
      return c.body(null, 204);
    });
}
