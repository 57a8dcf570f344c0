import type { TicketStatus } from '../../../db/schema/index.js';
import { ALWAYS, addBusinessMinutes, businessMinutesBetween, type Calendar } from './business-time.js';

/**
 * The SLA clocks of one ticket, pure. Two steps, both run in the transaction of every ticket change:
 *
 * 1. `advanceClocks`: what happened to the clocks, whatever the policy. First response runs from creation
 *    until the first public staff reply; next response starts at a requester's message once the ticket
 *    has had its first response (and is not restarted while it runs: a customer writing twice does not
 *    push the promise back) and stops at the next public staff reply; resolution runs while `new` or
 *    `open`, pauses in `pending`/`on_hold` keeping the time used, and stops at `solved`/`closed` (a reopen
 *    resumes it with the time used so far). Solving or closing stops the response clocks too.
 * 2. `deriveSla`: what the matching policy makes of them: due times, the at-risk moment (under 20 % of
 *    the target left), the next alert the sweep must write, and which targets are breached.
 */

export const SLA_TARGETS = ['first_response', 'next_response', 'resolution'] as const;
export type SlaTarget = (typeof SLA_TARGETS)[number];
export const TARGET_BIT: Record<SlaTarget, number> = { first_response: 1, next_response: 2, resolution: 4 };
/** Share of a target left when a ticket counts as at risk. */
export const AT_RISK_SHARE = 0.2;

export interface ClockState {
  nextResponseStartedAt: Date | null;
  resolutionStartedAt: Date | null;
  resolutionBusinessSecs: number;
  resolutionCalendarSecs: number;
}

/** What a change did besides moving fields: a public staff reply, or a requester's public message. */
export type SlaActivity = 'staff_reply' | 'requester_message';

const resolutionRuns = (s: TicketStatus) => s === 'new' || s === 'open';
const stopped = (s: TicketStatus) => s === 'solved' || s === 'closed';

export function advanceClocks(
  before: ClockState,
  after: { status: TicketStatus; firstResponseAt: Date | null },
  activity: SlaActivity | undefined,
  now: Date,
  calendar: Calendar | null,
): ClockState {
  const next: ClockState = { ...before };
  if (stopped(after.status) || activity === 'staff_reply') next.nextResponseStartedAt = null;
  else if (activity === 'requester_message' && after.firstResponseAt && !before.nextResponseStartedAt) {
    next.nextResponseStartedAt = now;
  }
  const running = before.resolutionStartedAt !== null;
  if (running && !resolutionRuns(after.status)) {
    const start = before.resolutionStartedAt!;
    next.resolutionBusinessSecs += Math.round(businessMinutesBetween(start, now, calendar ?? ALWAYS) * 60);
    next.resolutionCalendarSecs += Math.max(0, Math.round((now.getTime() - start.getTime()) / 1000));
    next.resolutionStartedAt = null;
  } else if (!running && resolutionRuns(after.status)) {
    next.resolutionStartedAt = now;
  }
  return next;
}

export interface SlaPolicyTargets {
  id: number;
  firstResponseMinutes: number | null;
  nextResponseMinutes: number | null;
  resolutionMinutes: number | null;
  businessHours: boolean;
}

export interface RunningTarget {
  target: SlaTarget;
  /** Null: the calendar has no business time left to reach it (never due). */
  dueAt: Date | null;
  atRiskAt: Date | null;
}

export interface DerivedSla {
  policyId: number | null;
  firstResponseDueAt: Date | null;
  nextResponseDueAt: Date | null;
  resolutionDueAt: Date | null;
  /** Earliest running due time / at-risk moment / unwritten alert; null when there is none. */
  dueAt: Date | null;
  atRiskAt: Date | null;
  nextAlertAt: Date | null;
  warned: number;
  breached: number;
  running: RunningTarget[];
}

const min = (dates: (Date | null)[]): Date | null =>
  dates.reduce<Date | null>((m, d) => (d && (!m || d < m) ? d : m), null);

/**
 * Due times and alert state under `policy` (null: no policy applies, no clock is shown). `marks` are the
 * warned/breached bits so far and the policy they were earned under: a running target's bit is kept only
 * while its moment is still past (a longer target re-arms it); another policy starts from none.
 */
export function deriveSla(
  ticket: { status: TicketStatus; createdAt: Date; firstResponseAt: Date | null },
  clocks: ClockState,
  policy: SlaPolicyTargets | null,
  calendar: Calendar | null,
  marks: { policyId: number | null; warned: number; breached: number },
  now: Date,
): DerivedSla {
  if (!policy) {
    return {
      policyId: null,
      firstResponseDueAt: null,
      nextResponseDueAt: null,
      resolutionDueAt: null,
      dueAt: null,
      atRiskAt: null,
      nextAlertAt: null,
      warned: 0,
      breached: 0,
      running: [],
    };
  }
  const cal = policy.businessHours ? (calendar ?? ALWAYS) : ALWAYS;
  const add = (from: Date, minutes: number) =>
    cal === ALWAYS ? new Date(from.getTime() + minutes * 60_000) : addBusinessMinutes(from, minutes, cal);
  const clock = (target: SlaTarget, from: Date, minutes: number, used = 0): RunningTarget => ({
    target,
    dueAt: add(from, Math.max(0, minutes - used)),
    atRiskAt: add(from, Math.max(0, minutes * (1 - AT_RISK_SHARE) - used)),
  });
  const running: RunningTarget[] = [];
  if (policy.firstResponseMinutes && !ticket.firstResponseAt && !stopped(ticket.status)) {
    running.push(clock('first_response', ticket.createdAt, policy.firstResponseMinutes));
  }
  if (policy.nextResponseMinutes && clocks.nextResponseStartedAt) {
    running.push(clock('next_response', clocks.nextResponseStartedAt, policy.nextResponseMinutes));
  }
  if (policy.resolutionMinutes && clocks.resolutionStartedAt) {
    const usedSecs = policy.businessHours ? clocks.resolutionBusinessSecs : clocks.resolutionCalendarSecs;
    running.push(clock('resolution', clocks.resolutionStartedAt, policy.resolutionMinutes, usedSecs / 60));
  }
  const same = marks.policyId === policy.id;
  let warned = same ? marks.warned : 0;
  let breached = same ? marks.breached : 0;
  for (const r of running) {
    const bit = TARGET_BIT[r.target];
    if (!r.dueAt || r.dueAt > now) breached &= ~bit;
    if (!r.atRiskAt || r.atRiskAt > now) warned &= ~bit;
  }
  const due = (t: SlaTarget) => running.find((r) => r.target === t)?.dueAt ?? null;
  const alerts = running.flatMap((r) => {
    const bit = TARGET_BIT[r.target];
    return [breached & bit ? null : r.dueAt, warned & bit || breached & bit ? null : r.atRiskAt];
  });
  return {
    policyId: policy.id,
    firstResponseDueAt: due('first_response'),
    nextResponseDueAt: due('next_response'),
    resolutionDueAt: due('resolution'),
    dueAt: min(running.map((r) => r.dueAt)),
    atRiskAt: min(running.map((r) => r.atRiskAt)),
    nextAlertAt: min(alerts),
    warned,
    breached,
    running,
  };
}

/** The longest target of any policy, per clock: calendar minutes, and business minutes. */
export interface LongestTargets {
  calendarMinutes: number;
  businessMinutes: number;
}

export function longestTargets(policies: readonly SlaPolicyTargets[]): LongestTargets {
  const out: LongestTargets = { calendarMinutes: 0, businessMinutes: 0 };
  for (const p of policies) {
    const longest = Math.max(
      p.firstResponseMinutes ?? 0,
      p.nextResponseMinutes ?? 0,
      p.resolutionMinutes ?? 0,
    );
    const key = p.businessHours ? 'businessMinutes' : 'calendarMinutes';
    out[key] = Math.max(out[key], longest);
  }
  return out;
}

/**
 * The latest due time a ticket at risk at `now` can have under this configuration. A running target's
 * at-risk moment comes `AT_RISK_SHARE` of its minutes before its due time, counted on its policy's clock
 * (business or calendar minutes), and a ticket's stored moments are the earliest of its targets'. So a
 * ticket at risk now (`sla_at_risk_at <= now`) is due at most that share of the longest target after now,
 * on that clock. The at-risk queue reads the due-time index over `(now, horizon]`, the tickets close to a
 * deadline, rather than every ticket whose at-risk moment has passed (all the breached ones among them).
 * The stored columns follow the configuration: every policy or calendar change re-derives the open
 * tickets in its own transaction. Null: no bound (a calendar with no business time left in its horizon).
 */
export function atRiskHorizon(longest: LongestTargets, calendar: Calendar | null, now: Date): Date | null {
  // A minute over the share: `minutes * (1 - share)` rounds in floating point, and times are stored in ms.
  const lead = (minutes: number) => minutes * AT_RISK_SHARE + 1;
  let horizon = now;
  if (longest.calendarMinutes > 0) {
    horizon = new Date(now.getTime() + lead(longest.calendarMinutes) * 60_000);
  }
  if (longest.businessMinutes > 0) {
    const cal = calendar ?? ALWAYS;
    const end =
      cal === ALWAYS
        ? new Date(now.getTime() + lead(longest.businessMinutes) * 60_000)
        : addBusinessMinutes(now, lead(longest.businessMinutes), cal);
    if (!end) return null;
    if (end > horizon) horizon = end;
  }
  return horizon;
}

/** The alerts a sweep at `now` must write: a breach, or else a warning, per running target, once each. */
export function dueAlerts(
  derived: DerivedSla,
  now: Date,
): { target: SlaTarget; kind: 'warning' | 'breached'; dueAt: Date }[] {
  const out: { target: SlaTarget; kind: 'warning' | 'breached'; dueAt: Date }[] = [];
  for (const r of derived.running) {
    const bit = TARGET_BIT[r.target];
    if (!r.dueAt) continue;
    if (r.dueAt <= now && !(derived.breached & bit))
      out.push({ target: r.target, kind: 'breached', dueAt: r.dueAt });
    else if (r.atRiskAt && r.atRiskAt <= now && !(derived.warned & bit) && !(derived.breached & bit)) {
      out.push({ target: r.target, kind: 'warning', dueAt: r.dueAt });
    }
  }
  return out;
}

/** Target names of a bit set, in contract order. */
export const targetsOf = (bits: number): SlaTarget[] => SLA_TARGETS.filter((t) => bits & TARGET_BIT[t]);

/** Whether a policy's `match` fits the ticket (an absent or empty list matches anything). */
export function policyMatches(
  match: { priorities?: string[]; groupIds?: string[]; tags?: string[] },
  ticket: { priority: string; groupId: number | null; tags: readonly string[] },
): boolean {
  if (match.priorities?.length && !match.priorities.includes(ticket.priority)) return false;
  if (
    match.groupIds?.length &&
    (ticket.groupId === null || !match.groupIds.includes(String(ticket.groupId)))
  ) {
    return false;
  }
  if (match.tags?.length && !match.tags.some((t) => ticket.tags.includes(t))) return false;
  return true;
}
