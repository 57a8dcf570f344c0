import { abilityOf, authorize } from '../../access/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import { NotFoundError, UnprocessableError, ValidationError } from '../../errors.js';
import { fieldChanges, record } from '../admin-audit/index.js';
import * as repo from './repo.js';
import { type CreateFieldInput, RESERVED_KEYS, type TicketField, type UpdateFieldInput } from './schemas.js';

const toField = (r: repo.FieldRow): TicketField => ({
  id: String(r.id),
  key: r.key,
  label: r.label,
  type: r.type,
  options: r.options ?? null,
  required: r.required,
  visibleToRequester: r.visibleToRequester,
});

/** Custom field definitions: admins write them (audited); anyone signed in reads those they may see. */
export async function list(ctx: ServiceContext): Promise<{ data: TicketField[] }> {
  const ability = abilityOf(ctx);
  authorize(ability, 'read', 'TicketField');
  const seesAll = ability.can('triage', 'Ticket');
  const rows = await repo.listFieldRows(ctx.db);
  return { data: rows.filter((r) => seesAll || r.visibleToRequester).map(toField) };
}

export async function create(ctx: ServiceContext, input: CreateFieldInput): Promise<TicketField> {
  authorize(abilityOf(ctx), 'create', 'TicketField');
  if (RESERVED_KEYS.has(input.key)) {
    throw new UnprocessableError('field_key_reserved', `"${input.key}" is a built-in name of tickets.`);
  }
  if ((input.type === 'dropdown') !== (input.options !== undefined)) {
    throw new ValidationError([
      { path: 'options', message: 'a dropdown needs options; other types take none' },
    ]);
  }
  return withTransaction(ctx, async (tx, ctx) => {
    const now = ctx.clock.now();
    const id = await repo.insertField(tx, {
      ...input,
      options: input.options ?? null,
      createdAt: now,
      updatedAt: now,
    });
    await record(tx, ctx, {
      action: 'custom_field.created',
      target: { type: 'custom_field', id },
      changes: fieldChanges(null, { ...input }),
    });
    return toField((await repo.findFieldRow(tx, id))!);
  });
}

export async function update(ctx: ServiceContext, id: number, input: UpdateFieldInput): Promise<TicketField> {
  authorize(abilityOf(ctx), 'update', 'TicketField');
  return withTransaction(ctx, async (tx, ctx) => {
    const row = await repo.findFieldRow(tx, id, true);
    if (!row) throw new NotFoundError('ticket field', id);
    if (input.options !== undefined && row.type !== 'dropdown') {
      throw new ValidationError([{ path: 'options', message: 'only a dropdown takes options' }]);
    }
    const changes = fieldChanges({ ...row }, { ...input });
    if (Object.keys(changes).length > 0) {
      await repo.updateField(tx, id, { ...input, updatedAt: ctx.clock.now() });
      await record(tx, ctx, {
        action: 'custom_field.updated',
        target: { type: 'custom_field', id },
        changes,
      });
    }
    return toField((await repo.findFieldRow(tx, id))!);
  });
}

/** Deletes the definition and every value of it (the values cascade). */
export async function remove(ctx: ServiceContext, id: number): Promise<void> {
  authorize(abilityOf(ctx), 'update', 'TicketField');
  await withTransaction(ctx, async (tx, ctx) => {
    const row = await repo.findFieldRow(tx, id, true);
    if (!row || !(await repo.deleteField(tx, id))) throw new NotFoundError('ticket field', id);
    await record(tx, ctx, {
      action: 'custom_field.deleted',
      target: { type: 'custom_field', id },
      changes: { key: { from: row.key, to: null } },
    });
  });
}
