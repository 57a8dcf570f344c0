import { and, asc, eq, gt, gte, inArray, or } from 'drizzle-orm';
import { businessCalendars, groups, slaPolicies } from '../../../db/schema/index.js';
import { abilityOf, authorize } from '../../access/index.js';
import { type ServiceContext, withTransaction } from '../../context.js';
import { insertId, type Queryable } from '../../database.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import { decodeCursor, type PageInput, toPage } from '../../http/pagination.js';
import { fieldChanges, record } from '../admin-audit/index.js';
import { CALENDAR_ID, calendarProblems, findCalendarRow, type SlaPolicyRow } from '../sla/index.js';
import { recomputeOpenTickets } from '../tickets/index.js';
import type {
  BusinessHours,
  BusinessHoursInput,
  CreateSlaPolicyInput,
  SlaPolicy,
  UpdateSlaPolicyInput,
} from './schemas.js';

// Every write here re-derives the SLA of the tickets whose clocks may run, in the same transaction
// (tickets' `recomputeOpenTickets`), so no queue or sweep ever reads due times of a configuration gone.

export async function getBusinessHours(ctx: ServiceContext): Promise<BusinessHours> {
  authorize(abilityOf(ctx), 'read', 'BusinessHours');
  const row = await findCalendarRow(ctx.db);
  if (!row) throw new NotFoundError('business hours calendar');
  return {
    timezone: row.timezone,
    week: row.week,
    holidays: row.holidays,
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** PUT /business-hours: replaces the calendar (422 with `errors[]` for each bad range, zone or date). */
export async function putBusinessHours(
  ctx: ServiceContext,
  input: BusinessHoursInput,
): Promise<BusinessHours> {
  authorize(abilityOf(ctx), 'update', 'BusinessHours');
  const week = Object.fromEntries(
    Object.entries(input.week).filter(([, ranges]) => ranges && ranges.length > 0),
  );
  const holidays = [...input.holidays].sort();
  const problems = calendarProblems({ timezone: input.timezone, week, holidays: input.holidays });
  if (problems.length > 0) throw new ValidationError(problems);
  await withTransaction(ctx, async (tx) => {
    const before = await findCalendarRow(tx);
    const now = ctx.clock.now();
    const values = { timezone: input.timezone, week, holidays, updatedAt: now };
    await tx
      .insert(businessCalendars)
      .values({ id: CALENDAR_ID, ...values })
      .onDuplicateKeyUpdate({ set: values });
    await record(tx, ctx, {
      action: 'calendar.updated',
      target: { type: 'calendar', id: CALENDAR_ID },
      changes: fieldChanges(
        before
          ? { timezone: before.timezone, week: JSON.stringify(before.week), holidays: before.holidays.length }
          : null,
        { timezone: input.timezone, week: JSON.stringify(week), holidays: holidays.length },
      ),
    });
    await recomputeOpenTickets(ctx, tx);
  });
  return getBusinessHours(ctx);
}

function toPolicy(row: SlaPolicyRow): SlaPolicy {
  return {
    id: String(row.id),
    name: row.name,
    position: row.position,
    match: {
      priorities: row.match.priorities ?? [],
      groupIds: row.match.groupIds ?? [],
      tags: row.match.tags ?? [],
    },
    targets: {
      firstResponseMinutes: row.firstResponseMinutes,
      nextResponseMinutes: row.nextResponseMinutes,
      resolutionMinutes: row.resolutionMinutes,
    },
    businessHours: row.businessHours,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

async function findPolicy(db: Queryable, id: number, lock = false): Promise<SlaPolicyRow> {
  const q = db.select().from(slaPolicies).where(eq(slaPolicies.id, id));
  const [row] = lock ? await q.for('update') : await q;
  if (!row) throw new NotFoundError('SLA policy', id);
  return row;
}

/** 422 for group ids that name no group (a group deleted later just stops matching). */
async function checkGroups(tx: Queryable, ids: string[] | undefined): Promise<void> {
  if (!ids?.length) return;
  const found = await tx
    .select({ id: groups.id })
    .from(groups)
    .where(inArray(groups.id, ids.map(Number)));
  const known = new Set(found.map((g) => String(g.id)));
  const errors = ids.flatMap((id, i) =>
    known.has(id) ? [] : [{ path: `match.groupIds.${i}`, message: 'no such group' }],
  );
  if (errors.length > 0) throw new ValidationError(errors);
}

const columnsOf = (targets: CreateSlaPolicyInput['targets']) => ({
  firstResponseMinutes: targets.firstResponseMinutes ?? null,
  nextResponseMinutes: targets.nextResponseMinutes ?? null,
  resolutionMinutes: targets.resolutionMinutes ?? null,
});

const auditable = (p: Partial<SlaPolicyRow>) => ({
  name: p.name,
  position: p.position,
  match: p.match === undefined ? undefined : JSON.stringify(p.match),
  firstResponseMinutes: p.firstResponseMinutes,
  nextResponseMinutes: p.nextResponseMinutes,
  resolutionMinutes: p.resolutionMinutes,
  businessHours: p.businessHours,
});

/** GET /sla-policies: in the order they are tried (position, then id), cursor-paginated. */
export async function listPolicies(ctx: ServiceContext, page: PageInput) {
  authorize(abilityOf(ctx), 'read', 'SlaPolicy');
  const after = page.cursor ? (decodeCursor(page.cursor, ['number', 'number']) as [number, number]) : null;
  const rows = await ctx.db
    .select()
    .from(slaPolicies)
    .where(
      after
        ? and(
            gte(slaPolicies.position, after[0]),
            or(
              gt(slaPolicies.position, after[0]),
              and(eq(slaPolicies.position, after[0]), gt(slaPolicies.id, after[1])),
            ),
          )
        : undefined,
    )
    .orderBy(asc(slaPolicies.position), asc(slaPolicies.id))
    .limit(page.limit + 1);
  return toPage(rows, page.limit, (r) => [r.position, r.id], toPolicy);
}

export async function getPolicy(ctx: ServiceContext, id: number): Promise<SlaPolicy> {
  authorize(abilityOf(ctx), 'read', 'SlaPolicy');
  return toPolicy(await findPolicy(ctx.db, id));
}

export async function createPolicy(ctx: ServiceContext, input: CreateSlaPolicyInput): Promise<SlaPolicy> {
  authorize(abilityOf(ctx), 'create', 'SlaPolicy');
  const id = await withTransaction(ctx, async (tx) => {
    await checkGroups(tx, input.match.groupIds);
    const now = ctx.clock.now();
    const values = {
      name: input.name,
      position: input.position,
      match: input.match,
      ...columnsOf(input.targets),
      businessHours: input.businessHours,
    };
    const id = insertId(await tx.insert(slaPolicies).values({ ...values, createdAt: now, updatedAt: now }));
    await record(tx, ctx, {
      action: 'sla_policy.created',
      target: { type: 'sla_policy', id },
      changes: fieldChanges(null, auditable(values)),
    });
    await recomputeOpenTickets(ctx, tx);
    return id;
  });
  return getPolicy(ctx, id);
}

export async function updatePolicy(
  ctx: ServiceContext,
  id: number,
  input: UpdateSlaPolicyInput,
): Promise<SlaPolicy> {
  authorize(abilityOf(ctx), 'update', 'SlaPolicy');
  await withTransaction(ctx, async (tx) => {
    const row = await findPolicy(tx, id, true);
    await checkGroups(tx, input.match?.groupIds);
    const set = {
      name: input.name,
      position: input.position,
      match: input.match,
      ...(input.targets ? columnsOf(input.targets) : {}),
      businessHours: input.businessHours,
    };
    const changes = fieldChanges(auditable(row), auditable(set));
    if (Object.keys(changes).length === 0) return;
    await tx
      .update(slaPolicies)
      .set({ ...set, updatedAt: ctx.clock.now() })
      .where(eq(slaPolicies.id, id));
    await record(tx, ctx, { action: 'sla_policy.updated', target: { type: 'sla_policy', id }, changes });
    await recomputeOpenTickets(ctx, tx);
  });
  return getPolicy(ctx, id);
}

/** Deleting a policy tickets use is allowed: each open ticket falls to the next matching policy, or none. */
export async function deletePolicy(ctx: ServiceContext, id: number): Promise<void> {
  authorize(abilityOf(ctx), 'delete', 'SlaPolicy');
  await withTransaction(ctx, async (tx) => {
    const row = await findPolicy(tx, id, true);
    await tx.delete(slaPolicies).where(eq(slaPolicies.id, id));
    await record(tx, ctx, {
      action: 'sla_policy.deleted',
      target: { type: 'sla_policy', id },
      changes: { name: { from: row.name, to: null } },
    });
    await recomputeOpenTickets(ctx, tx);
  });
}
