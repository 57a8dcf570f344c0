import { describe, expect, it } from 'vitest';
import { planUpdate } from '../../src/modules/tickets/plan.js';

const row = { subject: 'Printer on fire', priority: 'normal', assigneeId: 7 } as const;

describe('planUpdate', () => {
  it('plans nothing when every field keeps its value', () => {
    const plan = planUpdate(row, { subject: row.subject, priority: 'normal', assigneeId: '7', tags: ['a'] }, [
      'a',
    ]);
    expect(plan).toEqual({ changes: {}, events: [], tags: { added: [], removed: [] } });
  });

  it('plans one change and one event per field that changed', () => {
    const plan = planUpdate(row, { subject: 'Printer fixed', priority: 'urgent', assigneeId: '9' }, []);
    expect(plan.changes).toEqual({ subject: 'Printer fixed', priority: 'urgent', assigneeId: 9 });
    expect(plan.events).toEqual([
      { type: 'ticket.subject_changed', data: { from: 'Printer on fire', to: 'Printer fixed' } },
      { type: 'ticket.priority_changed', data: { from: 'normal', to: 'urgent' } },
      { type: 'ticket.assigned', data: { from: '7', to: '9' } },
    ]);
  });

  it('unassigns with null, and assigns an unassigned ticket', () => {
    expect(planUpdate(row, { assigneeId: null }, []).events).toEqual([
      { type: 'ticket.assigned', data: { from: '7', to: null } },
    ]);
    const unassigned = { ...row, assigneeId: null };
    expect(planUpdate(unassigned, { assigneeId: '3' }, []).changes).toEqual({ assigneeId: 3 });
    expect(planUpdate(unassigned, { assigneeId: null }, []).events).toEqual([]);
  });

  it('diffs tags against the current set into one event', () => {
    const plan = planUpdate(row, { tags: ['billing', 'vip'] }, ['urgent', 'vip']);
    expect(plan.tags).toEqual({ added: ['billing'], removed: ['urgent'] });
    expect(plan.events).toEqual([
      { type: 'ticket.tags_changed', data: { added: ['billing'], removed: ['urgent'] } },
    ]);
    expect(plan.changes).toEqual({});
  });

  it('leaves the tags alone when the input has none, whatever the current set', () => {
    expect(planUpdate(row, { subject: 'x' }, ['vip']).tags).toEqual({ added: [], removed: [] });
  });

  it('clears every tag with an empty list', () => {
    expect(planUpdate(row, { tags: [] }, ['a', 'b']).tags).toEqual({ added: [], removed: ['a', 'b'] });
  });
});
