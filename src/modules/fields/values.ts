import type { FieldType } from '../../../db/schema/index.js';
import type { FieldError } from '../../errors.js';

/** A field definition as validation needs it. */
export interface FieldDef {
  id: number;
  key: string;
  type: FieldType;
  options: string[] | null;
  required: boolean;
  visibleToRequester: boolean;
}

export type FieldValue = string | number | boolean;

/** A value in the column of its type (the others null), as `ticket_field_values` stores it. */
export interface StoredValue {
  fieldId: number;
  textValue: string | null;
  numberValue: number | null;
  dateValue: string | null;
  boolValue: boolean | null;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const isDate = (v: string) => {
  const m = DATE.exec(v);
  if (!m) return false;
  const d = new Date(`${v}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === v;
};
// One line of text, no control characters (the ticket subject's rule), at most 255 characters.
const isLine = (v: string) =>
  v.length <= 255 && ![...v].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f);

/** Checks one value against its field's type; the error message, or null when it fits. */
export function checkValue(def: FieldDef, value: unknown): string | null {
  switch (def.type) {
    case 'text':
      return typeof value === 'string' && value.trim() !== '' && isLine(value)
        ? null
        : 'must be one line of text, 1 to 255 characters';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a finite number';
    case 'date':
      return typeof value === 'string' && isDate(value) ? null : 'must be a date, YYYY-MM-DD';
    case 'checkbox':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'dropdown':
      return typeof value === 'string' && (def.options ?? []).includes(value)
        ? null
        : `must be one of: ${(def.options ?? []).join(', ')}`;
  }
}

/** The storage form of a value that passed `checkValue`. */
export function toStored(def: FieldDef, value: FieldValue): StoredValue {
  const v: StoredValue = {
    fieldId: def.id,
    textValue: null,
    numberValue: null,
    dateValue: null,
    boolValue: null,
  };
  if (def.type === 'number') v.numberValue = value as number;
  else if (def.type === 'date') v.dateValue = value as string;
  else if (def.type === 'checkbox') v.boolValue = value as boolean;
  else v.textValue = (value as string).trim();
  return v;
}

/** The API form of a stored value. */
export function fromStored(def: Pick<FieldDef, 'type'>, v: Omit<StoredValue, 'fieldId'>): FieldValue | null {
  if (def.type === 'number') return v.numberValue;
  if (def.type === 'date') return v.dateValue;
  if (def.type === 'checkbox') return v.boolValue === null ? null : Boolean(v.boolValue);
  return v.textValue;
}

/**
 * Validates the `fields` of a create (`creating`) or PATCH against the definitions. `seesAll` is false for
 * a requester: a field hidden from them is "unknown" to them, exactly like a key that does not exist. A
 * value of `null` clears a field (on PATCH). On create every required field the caller can see must be
 * given. Returns the errors (paths `fields.<key>`) and the values to set and clear.
 */
export function validateFields(
  defs: FieldDef[],
  input: Record<string, unknown>,
  opts: { seesAll: boolean; creating: boolean },
): { errors: FieldError[]; set: StoredValue[]; clear: number[] } {
  const visible = defs.filter((d) => opts.seesAll || d.visibleToRequester);
  const byKey = new Map(visible.map((d) => [d.key, d]));
  const errors: FieldError[] = [];
  const set: StoredValue[] = [];
  const clear: number[] = [];
  for (const [key, value] of Object.entries(input)) {
    const def = byKey.get(key);
    if (!def) {
      errors.push({ path: `fields.${key}`.slice(0, 120), message: 'is not a field of tickets' });
      continue;
    }
    if (value === null) {
      if (def.required) errors.push({ path: `fields.${key}`, message: 'is required' });
      else clear.push(def.id);
      continue;
    }
    const problem = checkValue(def, value);
    if (problem) errors.push({ path: `fields.${key}`, message: problem });
    else set.push(toStored(def, value as FieldValue));
  }
  if (opts.creating) {
    for (const def of visible) {
      if (def.required && !(def.key in input))
        errors.push({ path: `fields.${def.key}`, message: 'is required' });
    }
  }
  return { errors, set, clear };
}
