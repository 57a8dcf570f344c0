import { describe, expect, it } from 'vitest';
import { type RollupFacts, rollupRows } from '../../src/modules/reports/index.js';
import type { TicketRow } from '../../src/modules/tickets/repo.js';
import { reportColumns } from '../../src/modules/tickets/report-columns.js';

const at = new Date('2026-03-04T23:59:59.999Z');
const facts = (over: Partial<RollupFacts> = {}): RollupFacts => ({
  id: 11,
  status: 'new',
  groupId: null,
  assigneeId: null,
  ...over,
});

describe('rollupRows: what one change adds to the daily rollup', () => {
  it('creation: one created and +1 new, on the UTC day, slot id mod 8', () => {
    expect(rollupRows(null, facts({ groupId: 3 }), at)).toEqual([
      expect.objectContaining({
        day: '2026-03-04',
        groupId: 3,
        assigneeId: 0,
        slot: 3,
        created: 1,
        deltaNew: 1,
      }),
    ]);
  });

  it('solve, reopen and close', () => {
    const solve = rollupRows(
      facts({ status: 'open', assigneeId: 7 }),
      facts({ status: 'solved', assigneeId: 7 }),
      at,
    );
    expect(solve).toEqual([expect.objectContaining({ solved: 1, deltaOpen: -1, created: 0, reopened: 0 })]);
    const reopen = rollupRows(facts({ status: 'solved' }), facts({ status: 'open' }), at);
    expect(reopen).toEqual([expect.objectContaining({ reopened: 1, deltaOpen: 1, solved: 0 })]);
    // Solved → closed changes nothing the reports count.
    expect(rollupRows(facts({ status: 'solved' }), facts({ status: 'closed' }), at)).toEqual([]);
    // Closed straight from open (a merge) leaves the backlog, is not a solve.
    expect(rollupRows(facts({ status: 'open' }), facts({ status: 'closed' }), at)).toEqual([
      expect.objectContaining({ deltaOpen: -1, solved: 0 }),
    ]);
  });

  it('a move between groups while unsolved: -1 on the old key, +1 on the new, in key order', () => {
    const rows = rollupRows(
      facts({ status: 'pending', groupId: 9 }),
      facts({ status: 'pending', groupId: 2 }),
      at,
    );
    expect(rows.map((r) => [r.groupId, r.deltaPending])).toEqual([
      [2, 1],
      [9, -1],
    ]);
    // A change of nothing counted (a subject, a tag) writes no row.
    expect(rollupRows(facts({ status: 'open' }), facts({ status: 'open' }), at)).toEqual([]);
  });
});

describe('reportColumns: durations and SLA outcomes kept on the ticket', () => {
  const created = new Date('2026-03-01T10:00:00.000Z');
  const row = (over: Partial<TicketRow>) =>
    ({ createdAt: created, status: 'new', firstResponseAt: null, reopenCount: 0, ...over }) as TicketRow;

  it('first response: seconds since creation, met when by the due time it had', () => {
    const reply = new Date('2026-03-01T10:30:00.500Z');
    expect(
      reportColumns(
        row({ slaFirstResponseDueAt: new Date('2026-03-01T11:00:00Z') }),
        { firstResponseAt: reply },
        reply,
      ),
    ).toEqual({ firstResponseSecs: 1800, slaFirstResponseMet: true });
    expect(
      reportColumns(
        row({ slaFirstResponseDueAt: new Date('2026-03-01T10:15:00Z') }),
        { firstResponseAt: reply },
        reply,
      ),
    ).toEqual({ firstResponseSecs: 1800, slaFirstResponseMet: false });
    expect(reportColumns(row({ slaFirstResponseDueAt: null }), { firstResponseAt: reply }, reply)).toEqual({
      firstResponseSecs: 1800,
      slaFirstResponseMet: null,
    });
    // Only the first one counts.
    expect(reportColumns(row({ firstResponseAt: created }), { firstResponseAt: reply }, reply)).toEqual({});
  });

  it('every solve sets the resolution (the latest wins); a reopen counts', () => {
    const solve = new Date('2026-03-02T10:00:00Z');
    expect(
      reportColumns(
        row({ status: 'open', slaResolutionDueAt: new Date('2026-03-02T09:00:00Z') }),
        { status: 'solved' },
        solve,
      ),
    ).toEqual({ resolutionSecs: 86_400, slaResolutionMet: false });
    expect(reportColumns(row({ status: 'solved', reopenCount: 2 }), { status: 'open' }, solve)).toEqual({
      reopenCount: 3,
    });
    expect(reportColumns(row({ status: 'solved' }), { status: 'closed' }, solve)).toEqual({});
  });
});
