/**
 * Business time, pure (no database, no clock): a calendar of weekly hours in a time zone with holidays,
 * and the two questions SLAs ask of it. Time-zone math uses only `Intl.DateTimeFormat`, so it runs on Node
 * and on Workers alike.
 *
 * The rule, exactly: an instant `m` is business time when its local date (in `timezone`) is not a holiday
 * and its local wall-clock time lies in one of that weekday's `[start, end)` ranges. So across a DST change
 * a 09:00–17:00 day simply has the real minutes whose wall clock shows 09:00–17:00: 7 h on the spring day
 * if the jump falls inside, 9 h on the autumn day if the repeated hour does; a local time that does not
 * exist is never business time. `24:00` is allowed as an end only, meaning the end of the day.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** As the API takes it: `{timezone, week: {mon: [["09:00","17:00"]], …}, holidays: ["2026-12-25"]}`. */
export interface CalendarInput {
  timezone: string;
  week: Partial<Record<Weekday, [string, string][]>>;
  holidays: string[];
}

/** A calendar ready for computing: ranges in ms after local midnight, by JS weekday (0 = Sunday). */
export interface Calendar {
  readonly timezone: string;
  readonly ranges: readonly (readonly [number, number])[][];
  readonly holidays: ReadonlySet<number>;
  /** How far `addBusinessMinutes` looks ahead before answering null ("never"). */
  readonly horizonDays: number;
  readonly offsetAt: (t: number) => number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** A wall-clock time of day `HH:MM`; `24:00` only as an end. */
export const TIME_OF_DAY = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;
export const LOCAL_DATE = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])$/;

/** `HH:MM` → ms after midnight. */
export function timeOfDay(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return (h * 60 + m) * MINUTE;
}

/** `YYYY-MM-DD` → the day number (days since 1970-01-01), or NaN for a date that does not exist. */
export function dayNumber(date: string): number {
  if (!LOCAL_DATE.test(date)) return Number.NaN;
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const ms = Date.UTC(y, m - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d)
    return Number.NaN;
  return ms / DAY;
}

/** Whether `Intl` knows the time zone (an IANA name such as `Europe/Berlin`, or `UTC`). */
export function isKnownTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The problems of a calendar input, as `{path, message}` (empty when it is valid). */
export function calendarProblems(input: CalendarInput): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  if (!isKnownTimeZone(input.timezone)) problems.push({ path: 'timezone', message: 'unknown time zone' });
  let any = false;
  for (const day of WEEKDAYS) {
    const list = input.week[day] ?? [];
    const parsed: [number, number, number][] = [];
    list.forEach(([start, end], i) => {
      const path = `week.${day}.${i}`;
      if (!TIME_OF_DAY.test(start) || start === '24:00') {
        problems.push({ path, message: 'start must be HH:MM, 00:00–23:59' });
      } else if (!TIME_OF_DAY.test(end)) {
        problems.push({ path, message: 'end must be HH:MM, 00:01–24:00' });
      } else if (timeOfDay(end) <= timeOfDay(start)) {
        problems.push({ path, message: 'end must be after start (a range cannot cross midnight)' });
      } else {
        parsed.push([timeOfDay(start), timeOfDay(end), i]);
      }
    });
    parsed.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < parsed.length; i++) {
      if (parsed[i]![0] < parsed[i - 1]![1]) {
        problems.push({ path: `week.${day}.${parsed[i]![2]}`, message: 'overlaps another range of the day' });
      }
    }
    if (parsed.length > 0) any = true;
  }
  if (!any && problems.length === 0) {
    problems.push({ path: 'week', message: 'at least one day must have business hours' });
  }
  const seen = new Set<number>();
  input.holidays.forEach((h, i) => {
    const n = dayNumber(h);
    if (Number.isNaN(n)) problems.push({ path: `holidays.${i}`, message: 'must be a date YYYY-MM-DD' });
    else if (seen.has(n)) problems.push({ path: `holidays.${i}`, message: 'is listed twice' });
    seen.add(n);
  });
  return problems;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The zone's UTC offset (ms) at instant `t`, from `Intl` (correct for every rule the runtime knows). */
function offsetFn(tz: string): (t: number) => number {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  const fmt = f;
  return (t) => {
    const p: Record<string, number> = {};
    for (const part of fmt.formatToParts(new Date(t))) {
      if (part.type !== 'literal') p[part.type] = Number(part.value);
    }
    const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
    const floored = t - (((t % 1000) + 1000) % 1000);
    return wall - floored;
  };
}

/** Compiles a valid input (see `calendarProblems`); throws on an invalid one. */
export function compileCalendar(input: CalendarInput): Calendar {
  const problems = calendarProblems(input);
  if (problems.length > 0)
    throw new RangeError(`invalid calendar: ${problems[0]!.path} ${problems[0]!.message}`);
  const ranges: [number, number][][] = [[], [], [], [], [], [], []];
  WEEKDAYS.forEach((day, i) => {
    const js = (i + 1) % 7; // mon → 1 … sun → 0
    ranges[js] = (input.week[day] ?? [])
      .map(([s, e]) => [timeOfDay(s), timeOfDay(e)] as [number, number])
      .sort((a, b) => a[0] - b[0]);
  });
  const holidays = new Set(input.holidays.map(dayNumber));
  return {
    timezone: input.timezone,
    ranges,
    holidays,
    // Some weekday has hours, so each week has business time unless a holiday takes it: within
    // (holidays + 1) weeks there is some. Past that, and past a century, nothing more can be found.
    horizonDays: Math.min(36_525, (holidays.size + 2) * 7 + 400),
    offsetAt: offsetFn(input.timezone),
  };
}

/** Round-the-clock calendar in UTC: what "business minutes" mean when no calendar is configured. */
export const ALWAYS: Calendar = compileCalendar({
  timezone: 'UTC',
  week: Object.fromEntries(WEEKDAYS.map((d) => [d, [['00:00', '24:00']]])),
  holidays: [],
});

const dayIntervalCache = new WeakMap<Calendar, Map<number, [number, number][]>>();

/**
 * The business intervals (UTC ms, half-open, sorted) of local day `day` (days since 1970-01-01). Within
 * each stretch of constant offset `o`, an instant `m` has wall time `m + o`, so the range `[a, b)` of the
 * day is the instants `[a - o, b - o)` of that stretch: exact across DST changes.
 */
export function dayIntervals(cal: Calendar, day: number): [number, number][] {
  let cache = dayIntervalCache.get(cal);
  if (!cache) {
    cache = new Map();
    dayIntervalCache.set(cal, cache);
  }
  const hit = cache.get(day);
  if (hit) return hit;
  const out: [number, number][] = [];
  const weekday = (((day + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
  const ranges = cal.ranges[weekday]!;
  if (ranges.length > 0 && !cal.holidays.has(day)) {
    const wallMidnight = day * DAY;
    // Offsets lie within ±18 h; the window holds every instant whose local date can be `day`.
    const from = wallMidnight - 19 * 3_600_000;
    const to = wallMidnight + DAY + 19 * 3_600_000;
    for (const [s, e, o] of offsetStretches(cal, from, to)) {
      for (const [a, b] of ranges) {
        const lo = Math.max(s, wallMidnight + a - o);
        const hi = Math.min(e, wallMidnight + b - o);
        if (hi > lo) out.push([lo, hi]);
      }
    }
    out.sort((x, y) => x[0] - y[0]);
  }
  if (cache.size > 20_000) cache.clear();
  cache.set(day, out);
  return out;
}

/** `[from, to)` split where the offset changes (at most a couple of times in two days), with each offset. */
function offsetStretches(cal: Calendar, from: number, to: number): [number, number, number][] {
  const out: [number, number, number][] = [];
  let start = from;
  let o = cal.offsetAt(start);
  for (let guard = 0; guard < 4; guard++) {
    if (cal.offsetAt(to - 1) === o) break;
    // Binary search the first instant (to the second) with another offset; zones change on whole seconds.
    let lo = start;
    let hi = to - 1;
    while (hi - lo > 1000) {
      const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
      if (cal.offsetAt(mid) === o) lo = mid;
      else hi = mid;
    }
    out.push([start, hi, o]);
    start = hi;
    o = cal.offsetAt(start);
  }
  out.push([start, to, o]);
  return out;
}

/** The local day number of instant `t`. */
export function localDay(cal: Calendar, t: number): number {
  return Math.floor((t + cal.offsetAt(t)) / DAY);
}

/**
 * The instant `minutes` business minutes after `from` (fractions allowed). Zero minutes is `from` itself,
 * even outside business hours. Null when the calendar has no business time left within its horizon.
 */
export function addBusinessMinutes(from: Date, minutes: number, cal: Calendar): Date | null {
  const t = from.getTime();
  let remaining = Math.max(0, minutes) * MINUTE;
  if (remaining === 0) return new Date(t);
  const first = localDay(cal, t) - 1;
  for (let day = first; day <= first + cal.horizonDays; day++) {
    for (const [s, e] of dayIntervals(cal, day)) {
      if (e <= t) continue;
      const start = Math.max(s, t);
      if (remaining <= e - start) return new Date(start + remaining);
      remaining -= e - start;
    }
  }
  return null;
}

/** The business minutes (fractions included) in `[a, b)`; 0 when `b` is not after `a`. */
export function businessMinutesBetween(a: Date, b: Date, cal: Calendar): number {
  const ta = a.getTime();
  const tb = b.getTime();
  if (tb <= ta) return 0;
  let total = 0;
  for (let day = localDay(cal, ta) - 1; day <= localDay(cal, tb) + 1; day++) {
    for (const [s, e] of dayIntervals(cal, day)) {
      const lo = Math.max(s, ta);
      const hi = Math.min(e, tb);
      if (hi > lo) total += hi - lo;
    }
  }
  return total / MINUTE;
}

/** Whether instant `t` is business time (the rule itself, minute by minute: what the tests walk). */
export function isBusinessInstant(cal: Calendar, t: number): boolean {
  const wall = t + cal.offsetAt(t);
  const day = Math.floor(wall / DAY);
  if (cal.holidays.has(day)) return false;
  const tod = wall - day * DAY;
  const weekday = (((day + 4) % 7) + 7) % 7;
  return cal.ranges[weekday]!.some(([a, b]) => tod >= a && tod < b);
}
