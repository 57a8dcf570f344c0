import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../../scripts/lib/rng.js';
import {
  ALWAYS,
  addBusinessMinutes,
  businessMinutesBetween,
  type Calendar,
  type CalendarInput,
  calendarProblems,
  compileCalendar,
  isBusinessInstant,
} from '../../src/modules/sla/business-time.js';

const MIN = 60_000;
const at = (iso: string) => new Date(iso);

/** The brute force: walk minute by minute, asking the rule itself of every minute. */
function walkBetween(cal: Calendar, a: number, b: number): number {
  let n = 0;
  for (let t = a; t < b; t += MIN) if (isBusinessInstant(cal, t)) n++;
  return n;
}
function walkAdd(cal: Calendar, from: number, minutes: number): number {
  if (minutes === 0) return from;
  let t = from;
  for (;;) {
    if (isBusinessInstant(cal, t)) {
      minutes--;
      if (minutes === 0) return t + MIN;
    }
    t += MIN;
  }
}

const office = (timezone: string, holidays: string[] = []): CalendarInput => ({
  timezone,
  week: {
    mon: [['09:00', '17:00']],
    tue: [
      ['09:00', '12:00'],
      ['13:00', '17:30'],
    ],
    wed: [['09:00', '17:00']],
    thu: [
      ['00:00', '03:30'],
      ['22:00', '24:00'],
    ],
    fri: [['09:00', '17:00']],
    sun: [['01:00', '04:00']],
  },
  holidays,
});

describe('business time', () => {
  it('adds within a day, across the night, the weekend and a holiday (Europe/Berlin)', () => {
    const cal = compileCalendar(office('Europe/Berlin', ['2026-12-25']));
    // Mon 2026-12-07 10:00 local (09:00Z) + 60 → 11:00 local.
    expect(addBusinessMinutes(at('2026-12-07T09:00:00Z'), 60, cal)?.toISOString()).toBe(
      '2026-12-07T10:00:00.000Z',
    );
    // Mon 16:30 local + 60: 30 today, then Tue 09:00 + 30.
    expect(addBusinessMinutes(at('2026-12-07T15:30:00Z'), 60, cal)?.toISOString()).toBe(
      '2026-12-08T08:30:00.000Z',
    );
    // Fri 2026-12-25 is a holiday: Thu 23:00 local + 120 → 60 left Thu, then Sun 01:00 + 60.
    expect(addBusinessMinutes(at('2026-12-24T22:00:00Z'), 120, cal)?.toISOString()).toBe(
      '2026-12-27T01:00:00.000Z',
    );
    expect(businessMinutesBetween(at('2026-12-07T09:00:00Z'), at('2026-12-07T10:00:00Z'), cal)).toBe(60);
  });

  it('counts a DST day by its real minutes (America/New_York, spring and autumn)', () => {
    const cal = compileCalendar({
      timezone: 'America/New_York',
      week: { sun: [['00:00', '04:00']] },
      holidays: [],
    });
    // 2026-03-08: 02:00 → 03:00, so 00:00–04:00 local is 3 real hours.
    expect(businessMinutesBetween(at('2026-03-07T00:00:00Z'), at('2026-03-10T00:00:00Z'), cal)).toBe(180);
    // 2026-11-01: 02:00 → 01:00, so 00:00–04:00 local is 5 real hours.
    expect(businessMinutesBetween(at('2026-10-31T00:00:00Z'), at('2026-11-03T00:00:00Z'), cal)).toBe(300);
  });

  it('matches the minute walk on random instants and amounts (several zones, DST seasons)', () => {
    const zones = [
      'Europe/Berlin',
      'America/New_York',
      'Australia/Lord_Howe',
      'Asia/Kolkata',
      'UTC',
      'America/Santiago',
    ];
    const random = rng(15);
    for (let i = 0; i < 36; i++) {
      const tz = zones[i % zones.length]!;
      const cal = compileCalendar(office(tz, ['2026-03-30', '2026-10-26', '2026-04-06']));
      // Instants around the 2026 DST changes of the zones above, on whole minutes.
      const base = [
        at('2026-03-06T00:00:00Z'),
        at('2026-03-27T00:00:00Z'),
        at('2026-10-23T00:00:00Z'),
        at('2026-04-03T00:00:00Z'),
      ][i % 4]!;
      const from = base.getTime() + Math.floor(random() * 6 * 1440) * MIN;
      const minutes = Math.floor(random() * 1200);
      expect(addBusinessMinutes(new Date(from), minutes, cal)?.getTime(), `${tz} +${minutes}`).toBe(
        walkAdd(cal, from, minutes),
      );
      const to = from + Math.floor(random() * 4 * 1440) * MIN;
      expect(businessMinutesBetween(new Date(from), new Date(to), cal), tz).toBe(walkBetween(cal, from, to));
    }
  }, 120_000); // the walk asks Intl of every minute: slow on a loaded machine

  it('add and between agree: between(a, add(a, n)) = n', () => {
    const cal = compileCalendar(office('Europe/London', ['2026-05-04']));
    const random = rng(7);
    for (let i = 0; i < 200; i++) {
      const from = at('2026-01-01T00:00:00Z').getTime() + Math.floor(random() * 365 * 1440) * MIN;
      const n = Math.floor(random() * 5000);
      const end = addBusinessMinutes(new Date(from), n, cal)!;
      expect(businessMinutesBetween(new Date(from), end, cal)).toBeCloseTo(n, 6);
    }
  });

  it('round the clock with no calendar: business minutes are calendar minutes', () => {
    expect(addBusinessMinutes(at('2026-03-29T00:30:00Z'), 90, ALWAYS)?.toISOString()).toBe(
      '2026-03-29T02:00:00.000Z',
    );
  });

  it('a year of holidays is walked in bounded time, and nothing at all answers null', () => {
    const days: string[] = [];
    for (let d = Date.UTC(2026, 0, 1); d < Date.UTC(2027, 0, 1); d += 86_400_000) {
      days.push(new Date(d).toISOString().slice(0, 10));
    }
    const cal = compileCalendar({
      timezone: 'Europe/Paris',
      week: { mon: [['09:00', '10:00']] },
      holidays: days,
    });
    const started = performance.now();
    const due = addBusinessMinutes(at('2026-01-01T00:00:00Z'), 60, cal)!;
    // The first Monday of 2027 (Jan 4), 09:00–10:00 Paris.
    expect(due.toISOString()).toBe('2027-01-04T09:00:00.000Z');
    expect(performance.now() - started).toBeLessThan(2_000); // the worst case is a few ms; generous for CI
    expect(businessMinutesBetween(at('2026-01-01T00:00:00Z'), at('2027-01-01T00:00:00Z'), cal)).toBe(0);
  });
});

describe('calendar validation', () => {
  const base = (over: Partial<CalendarInput>): CalendarInput => ({ ...office('Europe/Berlin'), ...over });
  const paths = (input: CalendarInput) => calendarProblems(input).map((p) => p.path);

  it('accepts a normal calendar and 24:00 as the end of the day', () => {
    expect(calendarProblems(base({ week: { mon: [['00:00', '24:00']] } }))).toEqual([]);
  });
  it('refuses overlapping, inverted, malformed and 24:00-start ranges', () => {
    expect(
      paths(
        base({
          week: {
            mon: [
              ['09:00', '12:00'],
              ['11:00', '13:00'],
            ],
          },
        }),
      ),
    ).toEqual(['week.mon.1']);
    expect(paths(base({ week: { mon: [['17:00', '09:00']] } }))).toEqual(['week.mon.0']);
    expect(paths(base({ week: { mon: [['09:00', '09:00']] } }))).toEqual(['week.mon.0']);
    expect(paths(base({ week: { mon: [['24:00', '24:00']] } }))).toEqual(['week.mon.0']);
    expect(paths(base({ week: { mon: [['9:00', '17:00']] } }))).toEqual(['week.mon.0']);
    expect(paths(base({ week: { mon: [['09:00', '24:01']] } }))).toEqual(['week.mon.0']);
  });
  it('refuses an unknown zone, a week without hours, bad and repeated holidays', () => {
    expect(paths(base({ timezone: 'Mars/Olympus_Mons' }))).toEqual(['timezone']);
    expect(paths(base({ timezone: '' }))).toEqual(['timezone']);
    expect(paths(base({ week: {} }))).toEqual(['week']);
    expect(paths(base({ holidays: ['2026-02-30', '2026-12-25', '2026-12-25', 'xmas'] }))).toEqual([
      'holidays.0',
      'holidays.2',
      'holidays.3',
    ]);
  });
});
