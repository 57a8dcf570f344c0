import { createRoute } from '@hono/zod-openapi';
import { authenticated } from '../../http/auth.js';
import { serviceContext } from '../../http/context.js';
import { createRouter } from '../../http/openapi.js';
import { jsonContent, problemResponse, unauthenticatedResponse } from '../../http/schemas.js';
import { ReportSummary, ReportTimeseries, SummaryQuery, TimeseriesQuery } from './schemas.js';
import * as reports from './service.js';

const errors = {
  401: unauthenticatedResponse,
  403: problemResponse('`forbidden` for requesters; `insufficient_scope` for a key without `reports:read`'),
  422: problemResponse(
    '`validation_failed`: a bad day, `from` after `to`, a range too long, an unknown metric, interval, group or user',
  ),
};

const summaryRoute = createRoute({
  method: 'get',
  path: '/reports/summary',
  operationId: 'reportSummary',
  tags: ['Reports'],
  summary: 'Ticket figures over a range of days',
  description:
    'Counts (created, solved, reopened), the backlog at the end of the range, first-response and resolution ' +
    'times (nearest-rank median and 90th percentile, calendar minutes), SLA attainment and satisfaction, over ' +
    'the UTC days `from`..`to` (both included, at most 366 days). Staff only; API keys need `reports:read`.',
  ...authenticated(),
  request: { query: SummaryQuery },
  responses: {
    200: {
      description: 'The figures',
      ...jsonContent(ReportSummary, {
        created: 120,
        solved: 110,
        reopened: 6,
        backlog: { new: 4, open: 12, pending: 5, on_hold: 1 },
        firstResponseMinutes: { median: 42, p90: 310.5 },
        resolutionMinutes: { median: 1260, p90: 7200 },
        sla: { firstResponseMet: 0.93, resolutionMet: 0.88 },
        satisfaction: { good: 40, bad: 5, score: 0.8889 },
      }),
    },
    ...errors,
  },
});

const timeseriesRoute = createRoute({
  method: 'get',
  path: '/reports/timeseries',
  operationId: 'reportTimeseries',
  tags: ['Reports'],
  summary: 'One figure per day or ISO week',
  description:
    'Tickets created or solved per bucket, or the backlog (unsolved tickets) at each bucket’s end. Buckets ' +
    'are UTC days or ISO weeks (Monday 00:00 UTC), from the one holding `from` to the one holding `to`; ' +
    'empty buckets are listed with 0. At most 366 day buckets or 104 week buckets.',
  ...authenticated(),
  request: { query: TimeseriesQuery },
  responses: {
    200: {
      description: 'The buckets, oldest first',
      ...jsonContent(ReportTimeseries, {
        data: [
          { at: '2026-11-16T00:00:00.000Z', value: 31 },
          { at: '2026-11-23T00:00:00.000Z', value: 0 },
        ],
      }),
    },
    ...errors,
  },
});

export function reportRoutes() {
  return createRouter()
    .openapi(summaryRoute, async (c) =>
      c.json(await reports.summary(serviceContext(c), c.req.valid('query')), 200),
    )
    .openapi(timeseriesRoute, async (c) =>
      c.json(await reports.timeseries(serviceContext(c), c.req.valid('query')), 200),
    );
}
