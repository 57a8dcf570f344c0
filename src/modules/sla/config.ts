import { asc, eq } from 'drizzle-orm';
import { businessCalendars, slaPolicies } from '../../../db/schema/index.js';
import type { Queryable } from '../../database.js';
import { type Calendar, type CalendarInput, compileCalendar } from './business-time.js';
import { type LongestTargets, longestTargets, policyMatches } from './clocks.js';

export type SlaPolicyRow = typeof slaPolicies.$inferSelect;
export type CalendarRow = typeof businessCalendars.$inferSelect;

/** What the clocks need of the configuration: the policies in order and the compiled calendar. */
export interface SlaConfig {
  policies: SlaPolicyRow[];
  calendar: Calendar | null;
  /** Whether any policy matches by tag (only then does a commit read the ticket's tags). */
  byTags: boolean;
}

/** The calendar's one row id. */
export const CALENDAR_ID = 1;

// Compiling is pure and the calendar changes rarely: keep the last few, keyed by their content.
const compiled = new Map<string, Calendar>();
function compile(row: CalendarRow): Calendar {
  const input: CalendarInput = { timezone: row.timezone, week: row.week, holidays: row.holidays };
  const key = JSON.stringify(input);
  let cal = compiled.get(key);
  if (!cal) {
    cal = compileCalendar(input);
    if (compiled.size > 8) compiled.clear();
    compiled.set(key, cal);
  }
  return cal;
}

export async function findCalendarRow(db: Queryable): Promise<CalendarRow | null> {
  const [row] = await db.select().from(businessCalendars).where(eq(businessCalendars.id, CALENDAR_ID));
  return row ?? null;
}

export async function listPolicies(db: Queryable): Promise<SlaPolicyRow[]> {
  return db.select().from(slaPolicies).orderBy(asc(slaPolicies.position), asc(slaPolicies.id));
}

/** Reads the policies and the calendar (two small queries). */
export async function loadSlaConfig(db: Queryable): Promise<SlaConfig> {
  const policies = await listPolicies(db);
  const row = await findCalendarRow(db);
  return {
    policies,
    calendar: row ? compile(row) : null,
    byTags: policies.some((p) => (p.match.tags?.length ?? 0) > 0),
  };
}

/**
 * What the at-risk queue's horizon needs (`atRiskHorizon`): the longest target per clock, and the calendar
 * only when a business-hours policy exists.
 */
export async function loadHorizonInputs(
  db: Queryable,
): Promise<{ longest: LongestTargets; calendar: Calendar | null }> {
  const longest = longestTargets(await listPolicies(db));
  const row = longest.businessMinutes > 0 ? await findCalendarRow(db) : null;
  return { longest, calendar: row ? compile(row) : null };
}

/** The first policy (by position, then id) whose match fits the ticket. */
export function policyFor(
  config: SlaConfig,
  ticket: { priority: string; groupId: number | null; tags: readonly string[] },
): SlaPolicyRow | null {
  return config.policies.find((p) => policyMatches(p.match, ticket)) ?? null;
}
