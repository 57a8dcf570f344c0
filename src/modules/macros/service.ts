import { abilityOf, authorize, requireScope } from '../../access/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import { NotFoundError } from '../../errors.js';
import type { IfMatch } from '../../http/etag.js';
import { fieldChanges, record } from '../admin-audit/index.js';
import { applyActions, type TicketActions } from '../tickets/index.js';
import * as repo from './repo.js';
import {
  type CreateMacroInput,
  type Macro,
  MacroActions,
  renderReply,
  type UpdateMacroInput,
} from './schemas.js';

function toMacro(row: repo.MacroRow): Macro {
  return {
    id: String(row.id),
    name: row.name,
    // Stored actions were validated on the way in; parsing again fills defaults of older rows.
    actions: MacroActions.parse(row.actions),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

const notFound = (id: number) => new NotFoundError('macro', id);

/** Admins write macros; each write is one admin-audit row in the same transaction. */
export async function create(ctx: ServiceContext, input: CreateMacroInput): Promise<Macro> {
  authorize(abilityOf(ctx), 'create', 'Macro');
  return withTransaction(ctx, async (tx, ctx) => {
    const id = await repo.insertMacro(tx, input.name, input.actions, ctx.clock.now());
    await record(tx, ctx, {
      action: 'macro.created',
      target: { type: 'macro', id },
      changes: { name: { from: null, to: input.name }, actions: { from: null, to: input.actions } },
    });
    return toMacro((await repo.findMacro(tx, id))!);
  });
}

/** Staff read macros (to pick one to apply). */
export async function list(ctx: ServiceContext): Promise<{ data: Macro[] }> {
  authorize(abilityOf(ctx), 'read', 'Macro');
  return { data: (await repo.listMacros(ctx.db)).map(toMacro) };
}

export async function get(ctx: ServiceContext, id: number): Promise<Macro> {
  authorize(abilityOf(ctx), 'read', 'Macro');
  const row = await repo.findMacro(ctx.db, id);
  if (!row) throw notFound(id);
  return toMacro(row);
}

export async function update(ctx: ServiceContext, id: number, input: UpdateMacroInput): Promise<Macro> {
  authorize(abilityOf(ctx), 'update', 'Macro');
  return withTransaction(ctx, async (tx, ctx) => {
    const row = await repo.findMacro(tx, id, true);
    if (!row) throw notFound(id);
    const changes = fieldChanges({ name: row.name, actions: row.actions }, input);
    if (Object.keys(changes).length > 0) {
      await repo.updateMacro(tx, id, input, ctx.clock.now());
      await record(tx, ctx, { action: 'macro.updated', target: { type: 'macro', id }, changes });
    }
    return toMacro((await repo.findMacro(tx, id))!);
  });
}

export async function remove(ctx: ServiceContext, id: number): Promise<void> {
  authorize(abilityOf(ctx), 'update', 'Macro');
  await withTransaction(ctx, async (tx, ctx) => {
    const row = await repo.findMacro(tx, id, true);
    if (!row || !(await repo.deleteMacro(tx, id))) throw notFound(id);
    await record(tx, ctx, {
      action: 'macro.deleted',
      target: { type: 'macro', id },
      changes: { name: { from: row.name, to: null } },
    });
  });
}

/**
 * POST /tickets/:id/macros/:macroId/apply: every action of the macro, as one change to the ticket in one
 * transaction (see `applyActions`), the reply rendered with the ticket's values.
 */
export async function apply(ctx: ServiceContext, ticketId: number, macroId: number, ifMatch: IfMatch) {
  // Who may apply is the ticket's question (404 for a stranger, then 403 for anyone but staff); a key
  // without tickets:write learns that first.
  requireScope(abilityOf(ctx), 'triage', 'Ticket');
  const macro = await repo.findMacro(ctx.db, macroId);
  if (!macro) throw notFound(macroId);
  const actions = MacroActions.parse(macro.actions) as TicketActions;
  return applyActions(ctx, ticketId, actions, ifMatch, (template, vars) =>
    renderReply(template, { ...vars }),
  );
}
