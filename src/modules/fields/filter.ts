import { eq, type SQL, sql } from 'drizzle-orm';
import { ticketFieldValues, tickets } from '../../../db/schema/index.js';
import { ValidationError } from '../../errors.js';
import { checkValue, type FieldDef, toStored } from './values.js';

/** Parses a `field.<key>` query value into the field's type (`true`/`false`, a number, a date, text). */
function parse(def: FieldDef, raw: string): unknown {
  if (def.type === 'number') return raw.trim() === '' ? Number.NaN : Number(raw);
  if (def.type === 'checkbox') return raw === 'true' ? true : raw === 'false' ? false : raw;
  return raw;
}

/**
 * The WHERE parts of `field.<key>=<value>` filters: `tickets.id IN (SELECT ticket_id … WHERE field_id = ?
 * AND <typed column> = ?)`, an equality range of the (field, value, ticket) index. A key the caller cannot
 * see (unknown, or hidden from a requester) or a value of the wrong type is 422.
 */
export function fieldFilters(defs: FieldDef[], filters: [string, string][], seesAll: boolean): SQL[] {
  const byKey = new Map(defs.filter((d) => seesAll || d.visibleToRequester).map((d) => [d.key, d]));
  const errors: { path: string; message: string }[] = [];
  const out: SQL[] = [];
  for (const [key, raw] of filters) {
    const def = byKey.get(key);
    if (!def) {
      errors.push({ path: `field.${key}`.slice(0, 120), message: 'is not a field of tickets' });
      continue;
    }
    const value = parse(def, raw);
    const problem = checkValue(def, value);
    if (problem) {
      errors.push({ path: `field.${key}`, message: problem });
      continue;
    }
    const v = toStored(def, value as string | number | boolean);
    const column =
      def.type === 'number'
        ? eq(ticketFieldValues.numberValue, v.numberValue!)
        : def.type === 'date'
          ? eq(ticketFieldValues.dateValue, v.dateValue!)
          : def.type === 'checkbox'
            ? eq(ticketFieldValues.boolValue, v.boolValue!)
            : eq(ticketFieldValues.textValue, v.textValue!);
    // A subquery over the value index alone; the optimizer may run it as a semi-join driven from it.
    out.push(
      sql`${tickets.id} IN (SELECT ${ticketFieldValues.ticketId} FROM ${ticketFieldValues} WHERE ${ticketFieldValues.fieldId} = ${def.id} AND ${column})`,
    );
  }
  if (errors.length > 0) throw new ValidationError(errors);
  return out;
}
