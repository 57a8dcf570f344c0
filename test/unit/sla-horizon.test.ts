import { describe, expect, it } from 'vitest';
import { mulberry32 as rng } from '../../scripts/lib/rng.js';
import {
  AT_RISK_SHARE,
  atRiskHorizon,
  type ClockState,
  compileCalendar,
  deriveSla,
  longestTargets,
  type SlaPolicyTargets,
} from '../../src/modules/sla/index.js';

// The at-risk queue reads only tickets due by `atRiskHorizon(now)`. That is right only if every ticket
// the stored columns call at risk (`atRiskAt <= now < dueAt`) is due by then: checked here against the
// clocks' own derivation, on random tickets, policies and business calendars (nights, weekends, holidays,
// DST), where a business-hours target's last fifth can stretch over a weekend.

const MIN = 60_000;

const calendars = [
  compileCalendar({
    timezone: 'Europe/Berlin',
    week: {
      mon: [['09:00', '17:00']],
      tue: [
        ['09:00', '12:00'],
        ['13:00', '17:30'],
      ],
      wed: [['09:00', '17:00']],
      thu: [['09:00', '17:00']],
      fri: [['09:00', '15:00']],
    },
    holidays: ['2026-03-30', '2026-04-03', '2026-10-26', '2026-12-24', '2026-12-25'],
  }),
  // One hour a week: the last fifth of a target spans weeks of wall time.
  compileCalendar({ timezone: 'America/New_York', week: { sun: [['01:00', '02:00']] }, holidays: [] }),
  compileCalendar({
    timezone: 'Australia/Lord_Howe',
    week: { sat: [['22:00', '24:00']], sun: [['00:00', '03:30']], wed: [['10:00', '11:00']] },
    holidays: ['2026-04-05'],
  }),
];

function randomPolicy(random: () => number, id: number): SlaPolicyTargets {
  const target = () => (random() < 0.3 ? null : 1 + Math.floor(random() * 3000));
  const policy = {
    id,
    firstResponseMinutes: target(),
    nextResponseMinutes: target(),
    resolutionMinutes: target(),
    businessHours: random() < 0.6,
  };
  return policy.firstResponseMinutes || policy.nextResponseMinutes || policy.resolutionMinutes
    ? policy
    : { ...policy, resolutionMinutes: 60 };
}

describe('atRiskHorizon', () => {
  it('bounds the due time of every ticket at risk, whatever its policy, calendar and clocks', () => {
    const random = rng(2026);
    let atRisk = 0;
    let stretched = 0;
    for (let i = 0; i < 3000; i++) {
      const calendar = calendars[i % calendars.length]!;
      const policies = Array.from({ length: 1 + Math.floor(random() * 3) }, (_, j) =>
        randomPolicy(random, j + 1),
      );
      const policy = policies[Math.floor(random() * policies.length)]!;
      const base = new Date('2026-03-01T00:00:00Z').getTime() + Math.floor(random() * 300 * 1440) * MIN;
      const at = (maxMinutes: number) => new Date(base + Math.floor(random() * maxMinutes * MIN));
      const createdAt = at(1);
      const clocks: ClockState = {
        nextResponseStartedAt: random() < 0.5 ? at(3000) : null,
        resolutionStartedAt: random() < 0.8 ? at(3000) : null,
        resolutionBusinessSecs: Math.floor(random() * 3000 * 60),
        resolutionCalendarSecs: Math.floor(random() * 3000 * 60),
      };
      const derived = deriveSla(
        {
          status: random() < 0.5 ? 'new' : 'open',
          createdAt,
          firstResponseAt: random() < 0.5 ? null : at(3000),
        },
        clocks,
        policy,
        calendar,
        { policyId: null, warned: 0, breached: 0 },
        createdAt,
      );
      if (!derived.atRiskAt || !derived.dueAt) continue;
      // Instants between the at-risk moment and the due time: the ticket is at risk at each.
      for (let k = 0; k < 5; k++) {
        const span = derived.dueAt.getTime() - derived.atRiskAt.getTime();
        const now = new Date(derived.atRiskAt.getTime() + Math.floor(random() * span));
        if (now < derived.atRiskAt || now >= derived.dueAt) continue;
        atRisk++;
        const horizon = atRiskHorizon(longestTargets(policies), calendar, now);
        expect(horizon, `ticket ${i}`).not.toBeNull();
        expect(derived.dueAt.getTime(), `ticket ${i} at ${now.toISOString()}`).toBeLessThanOrEqual(
          horizon!.getTime(),
        );
        const longest = Math.max(
          ...policies.map((p) =>
            Math.max(p.firstResponseMinutes ?? 0, p.nextResponseMinutes ?? 0, p.resolutionMinutes ?? 0),
          ),
        );
        // A calendar-minute bound would have missed this one: its last fifth spans closed hours.
        if (derived.dueAt.getTime() > now.getTime() + longest * AT_RISK_SHARE * MIN) stretched++;
      }
    }
    // The property was exercised, business stretches included.
    expect(atRisk).toBeGreaterThan(2000);
    expect(stretched).toBeGreaterThan(100);
  });

  it('is now with no policy (no ticket can be at risk), now + a fifth of the longest target on the calendar', () => {
    const now = new Date('2026-11-27T16:00:00Z'); // a Friday, 17:00 in Berlin (closed)
    expect(atRiskHorizon(longestTargets([]), calendars[0]!, now)).toEqual(now);
    const calendarPolicy = {
      id: 1,
      firstResponseMinutes: 60,
      nextResponseMinutes: null,
      resolutionMinutes: 480,
      businessHours: false,
    };
    // 480 × 0.2 = 96 minutes, plus the minute of slack.
    expect(atRiskHorizon(longestTargets([calendarPolicy]), null, now)).toEqual(
      new Date(now.getTime() + 97 * MIN),
    );
    // In business minutes from Friday evening: Monday 09:00 Berlin + 97 minutes.
    expect(
      atRiskHorizon(longestTargets([{ ...calendarPolicy, businessHours: true }]), calendars[0]!, now),
    ).toEqual(new Date('2026-11-30T09:37:00Z'));
  });
});
