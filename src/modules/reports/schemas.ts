import { z } from '@hono/zod-openapi';

/**
 * Report queries and answers. Days are UTC calendar days written `YYYY-MM-DD`; a range covers `from`
 * 00:00 to the end of `to` (both days included). Durations are calendar minutes.
 */

/** A real UTC calendar day (`2026-02-30` is refused). */
const Day = z
  .string()
  .max(10)
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a day written YYYY-MM-DD')
  .refine((s) => {
    const d = new Date(`${s}T00:00:00.000Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, 'is not a calendar day');

const Id = (what: string) =>
  z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, `must be a ${what} id`)
    .optional();

const rangeFields = {
  from: Day.optional().openapi({
    param: { name: 'from', in: 'query' },
    description: 'First UTC day of the range, included (default: 29 days before `to`)',
    example: '2026-09-01',
  }),
  to: Day.optional().openapi({
    param: { name: 'to', in: 'query' },
    description: 'Last UTC day of the range, included (default: today)',
    example: '2026-11-29',
  }),
  groupId: Id('group').openapi({
    param: { name: 'groupId', in: 'query' },
    description: 'Only tickets of this group (see README: which group counts)',
    example: '3',
  }),
  assigneeId: Id('assignee').openapi({
    param: { name: 'assigneeId', in: 'query' },
    description: 'Only tickets assigned to this agent',
    example: '7',
  }),
};

export const SummaryQuery = z.object(rangeFields);
export type SummaryQuery = z.infer<typeof SummaryQuery>;

export const REPORT_METRICS = ['created', 'solved', 'backlog'] as const;
export const REPORT_INTERVALS = ['day', 'week'] as const;

export const TimeseriesQuery = z.object({
  metric: z
    .enum(REPORT_METRICS)
    .default('created')
    .openapi({
      param: { name: 'metric', in: 'query' },
      description: '`created`/`solved`: counts per bucket; `backlog`: unsolved tickets at the bucket’s end',
      example: 'created',
    }),
  interval: z
    .enum(REPORT_INTERVALS)
    .default('day')
    .openapi({
      param: { name: 'interval', in: 'query' },
      description: '`day`, or `week` (ISO weeks: Monday 00:00 UTC to Sunday)',
      example: 'week',
    }),
  ...rangeFields,
});
export type TimeseriesQuery = z.infer<typeof TimeseriesQuery>;

const Percentiles = z
  .object({
    median: z.number().nullable().openapi({ description: 'Nearest-rank median, minutes; null with no data' }),
    p90: z.number().nullable().openapi({ description: 'Nearest-rank 90th percentile, minutes' }),
  })
  .openapi('ReportPercentiles');

export const ReportSummary = z
  .object({
    created: z.number().int().openapi({ description: 'Tickets created in the range' }),
    solved: z
      .number()
      .int()
      .openapi({ description: 'Moves to `solved` in the range (a re-solve counts again)' }),
    reopened: z
      .number()
      .int()
      .openapi({ description: 'Moves from solved/closed back to an unsolved status' }),
    backlog: z
      .object({
        new: z.number().int(),
        open: z.number().int(),
        pending: z.number().int(),
        on_hold: z.number().int(),
      })
      .openapi({ description: 'Unsolved tickets by status at the end of `to` (now, if that is later)' }),
    firstResponseMinutes: Percentiles.openapi({
      description: 'Creation to first public staff reply, for first replies in the range',
    }),
    resolutionMinutes: Percentiles.openapi({
      description: 'Creation to latest solve, for tickets whose latest solve is in the range',
    }),
    sla: z
      .object({
        firstResponseMet: z.number().nullable(),
        resolutionMet: z.number().nullable(),
      })
      .openapi({
        description: 'Share (0–1) of those with an SLA target that met it; null when none had one',
      }),
    satisfaction: z
      .object({
        good: z.number().int(),
        bad: z.number().int(),
        score: z
          .number()
          .nullable()
          .openapi({ description: 'good / (good + bad), 0–1; null without ratings' }),
      })
      .openapi({ description: 'Ratings given in the range (the latest per ticket)' }),
  })
  .openapi('ReportSummary');
export type ReportSummary = z.infer<typeof ReportSummary>;

export const ReportTimeseries = z
  .object({
    data: z.array(
      z.object({
        at: z
          .string()
          .openapi({ description: 'The bucket’s start, ISO 8601 UTC', example: '2026-11-23T00:00:00.000Z' }),
        value: z.number().int(),
      }),
    ),
  })
  .openapi('ReportTimeseries');
export type ReportTimeseries = z.infer<typeof ReportTimeseries>;
