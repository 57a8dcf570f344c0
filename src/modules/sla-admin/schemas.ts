import { z } from '@hono/zod-openapi';
import { TICKET_PRIORITIES } from '../../../db/schema/index.js';
import { pageOf } from '../../http/pagination.js';
import { singleLine } from '../../http/text.js';
import { Tag } from '../tickets/index.js';

const Range = z.tuple([z.string().max(5), z.string().max(5)]).openapi({
  description: '`["HH:MM", "HH:MM"]`, start before end; `24:00` allowed as an end',
  example: ['09:00', '17:00'],
});
const Day = z.array(Range).max(12, 'at most 12 ranges a day');

/** Hours per weekday (absent or `[]`: closed all day). */
export const WeekInput = z
  .object({ mon: Day, tue: Day, wed: Day, thu: Day, fri: Day, sat: Day, sun: Day })
  .partial()
  .strict();

export const MAX_HOLIDAYS = 1000;

export const BusinessHoursInput = z
  .object({
    timezone: z.string().max(64).openapi({ description: 'An IANA time zone', example: 'Europe/Berlin' }),
    week: WeekInput,
    holidays: z
      .array(z.string().max(10))
      .max(MAX_HOLIDAYS, `at most ${MAX_HOLIDAYS} holidays`)
      .default([])
      .openapi({ description: 'Local dates `YYYY-MM-DD` without business hours', example: ['2026-12-25'] }),
  })
  .strict()
  .openapi('BusinessHoursInput');
export type BusinessHoursInput = z.infer<typeof BusinessHoursInput>;

export const BusinessHours = z
  .object({
    timezone: z.string(),
    week: z.record(z.string(), z.array(z.tuple([z.string(), z.string()]))),
    holidays: z.array(z.string()),
    updatedAt: z.string(),
  })
  .openapi('BusinessHours');
export type BusinessHours = z.infer<typeof BusinessHours>;

export const businessHoursExample = {
  timezone: 'Europe/Berlin',
  week: {
    mon: [['09:00', '17:00']],
    tue: [['09:00', '17:00']],
    wed: [['09:00', '17:00']],
    thu: [['09:00', '17:00']],
    fri: [
      ['09:00', '12:00'],
      ['13:00', '16:00'],
    ],
  } as Record<string, [string, string][]>,
  holidays: ['2026-12-25', '2026-12-26'],
};

const Minutes = z
  .number()
  .int('must be a whole number of minutes')
  .min(1, 'must be at least 1')
  .max(100_000, 'must be at most 100000');

export const SlaTargets = z
  .object({
    firstResponseMinutes: Minutes.nullable().optional(),
    nextResponseMinutes: Minutes.nullable().optional(),
    resolutionMinutes: Minutes.nullable().optional(),
  })
  .strict()
  .refine(
    (t) => t.firstResponseMinutes != null || t.nextResponseMinutes != null || t.resolutionMinutes != null,
    {
      message: 'set at least one target',
    },
  )
  .openapi('SlaTargets');

export const SlaMatchInput = z
  .object({
    priorities: z.array(z.enum(TICKET_PRIORITIES)).max(4).optional(),
    groupIds: z
      .array(z.string().regex(/^[1-9]\d{0,14}$/, 'must be a group id'))
      .max(100)
      .optional(),
    tags: z.array(Tag).max(50).optional(),
  })
  .strict()
  .openapi('SlaMatch', {
    description:
      'Every list given must contain the ticket’s value (tags: any one); absent or empty lists match anything',
  });

const Name = singleLine(
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(100, { message: 'must be at most 100 characters', abort: true }),
);
const Position = z.number().int().min(0).max(1_000_000).openapi({ description: 'Lower first; ties by id' });

export const CreateSlaPolicyInput = z
  .object({
    name: Name,
    position: Position,
    match: SlaMatchInput.default({}),
    targets: SlaTargets,
    businessHours: z.boolean().default(false).openapi({ description: 'Count in business-hours minutes' }),
  })
  .strict()
  .openapi('CreateSlaPolicyInput');
export type CreateSlaPolicyInput = z.infer<typeof CreateSlaPolicyInput>;

export const UpdateSlaPolicyInput = z
  .object({
    name: Name.optional(),
    position: Position.optional(),
    match: SlaMatchInput.optional(),
    targets: SlaTargets.optional(),
    businessHours: z.boolean().optional(),
  })
  .strict()
  .openapi('UpdateSlaPolicyInput');
export type UpdateSlaPolicyInput = z.infer<typeof UpdateSlaPolicyInput>;

export const SlaPolicy = z
  .object({
    id: z.string(),
    name: z.string(),
    position: z.number().int(),
    match: z.object({
      priorities: z.array(z.enum(TICKET_PRIORITIES)),
      groupIds: z.array(z.string()),
      tags: z.array(z.string()),
    }),
    targets: z.object({
      firstResponseMinutes: z.number().int().nullable(),
      nextResponseMinutes: z.number().int().nullable(),
      resolutionMinutes: z.number().int().nullable(),
    }),
    businessHours: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('SlaPolicy');
export type SlaPolicy = z.infer<typeof SlaPolicy>;
export const SlaPolicyPage = pageOf(SlaPolicy, 'SlaPolicyPage');

export const slaPolicyExample: SlaPolicy = {
  id: '1',
  name: 'Urgent',
  position: 10,
  match: { priorities: ['urgent', 'high'], groupIds: [], tags: [] },
  targets: { firstResponseMinutes: 60, nextResponseMinutes: 240, resolutionMinutes: 1440 },
  businessHours: true,
  createdAt: '2026-11-21T20:40:52.123Z',
  updatedAt: '2026-11-21T20:40:52.123Z',
};
