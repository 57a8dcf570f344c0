import { describe, expect, it } from 'vitest';
import { TICKET_STATUSES } from '../../db/schema/index.js';
import {
  allowedTargets,
  checkTransition,
  statusTimestamps,
  transitionOnReply,
} from '../../src/modules/tickets/lifecycle.js';

// The contract's lifecycle table, transcribed independently of the implementation's table.
const CONTRACT = `
from      open     pending  on_hold  solved   closed
new       S        S        S        SR       -
open      -        S        S        SR       -
pending   SR       -        S        SR       -
on_hold   S        S        -        SR       -
solved    SR       -        -        -        S
closed    -        -        -        -        -
`;

const rows = CONTRACT.trim()
  .split('\n')
  .slice(1)
  .map((l) => l.trim().split(/\s+/));
const targets = ['open', 'pending', 'on_hold', 'solved', 'closed'] as const;

describe('lifecycle table', () => {
  for (const [from, ...cells] of rows) {
    for (const [i, to] of targets.entries()) {
      const cell = cells[i]!;
      it(`${from} → ${to}: ${cell}`, () => {
        const f = from as (typeof TICKET_STATUSES)[number];
        if (cell === '-') {
          expect(checkTransition(f, to, 'staff')).toBe('invalid');
          expect(checkTransition(f, to, 'requester')).toBe('invalid');
        } else {
          expect(checkTransition(f, to, 'staff')).toBe(cell.includes('S') ? 'allowed' : 'forbidden');
          expect(checkTransition(f, to, 'requester')).toBe(cell.includes('R') ? 'allowed' : 'forbidden');
        }
      });
    }
  }

  it('no status moves to new or to itself', () => {
    for (const from of TICKET_STATUSES) {
      expect(checkTransition(from, 'new', 'staff')).toBe('invalid');
      expect(checkTransition(from, from, 'staff')).toBe('invalid');
    }
  });

  it('allowedTargets lists exactly the allowed cells per party', () => {
    expect(allowedTargets('new', 'staff')).toEqual(['open', 'pending', 'on_hold', 'solved']);
    expect(allowedTargets('new', 'requester')).toEqual(['solved']);
    expect(allowedTargets('solved', 'requester')).toEqual(['open']);
    expect(allowedTargets('solved', 'staff')).toEqual(['open', 'closed']);
    expect(allowedTargets('closed', 'staff')).toEqual([]);
  });
});

describe('implicit moves on reply', () => {
  it('first public staff reply opens a new ticket; notes never move; requester replies reopen pending/solved', () => {
    expect(transitionOnReply('new', 'staff', false)).toBe('open');
    expect(transitionOnReply('new', 'staff', true)).toBeNull();
    expect(transitionOnReply('new', 'requester', false)).toBeNull();
    expect(transitionOnReply('pending', 'requester', false)).toBe('open');
    expect(transitionOnReply('solved', 'requester', false)).toBe('open');
    expect(transitionOnReply('on_hold', 'requester', false)).toBeNull();
    expect(transitionOnReply('pending', 'staff', false)).toBeNull();
    expect(transitionOnReply('open', 'requester', false)).toBeNull();
  });

  it('solving stamps solvedAt, closing closedAt, reopening clears solvedAt', () => {
    const now = new Date('2026-11-21T10:00:00.000Z');
    expect(statusTimestamps('solved', now)).toEqual({ solvedAt: now });
    expect(statusTimestamps('closed', now)).toEqual({ closedAt: now });
    expect(statusTimestamps('open', now)).toEqual({ solvedAt: null });
  });
});
