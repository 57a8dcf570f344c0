import { sql } from 'drizzle-orm';
import { bigint, customType, datetime } from 'drizzle-orm/mysql-core';

/**
 * Column helpers shared by every table, following the project's portability rules (README, "Portability"):
 * ids are `bigint unsigned` auto-increment (drizzle's serial() is rejected by MariaDB in some positions),
 * timestamps are `datetime(3)` in UTC with a `CURRENT_TIMESTAMP(3)` default.
 */
export const id = () => bigint('id', { mode: 'number', unsigned: true }).autoincrement().primaryKey();

/** A foreign-key column of the same type as `id()`. */
export const ref = (name: string) => bigint(name, { mode: 'number', unsigned: true });

export const createdAt = () =>
  datetime('created_at', { mode: 'date', fsp: 3 }).notNull().default(sql`CURRENT_TIMESTAMP(3)`);

export const timestamp = (name: string) => datetime(name, { mode: 'date', fsp: 3 });

/**
 * A JSON column that reads back as a value on both engines: MySQL returns JSON parsed,
 * MariaDB stores JSON as LONGTEXT and returns a string.
 */
export const jsonValue = <T>(name: string) =>
  customType<{ data: T; driverData: string | T }>({
    dataType: () => 'json',
    toDriver: (value) => JSON.stringify(value),
    fromDriver: (value) => (typeof value === 'string' ? (JSON.parse(value) as T) : value),
  })(name);

/**
 * A `varchar` compared byte for byte (`utf8mb4_bin`) instead of through the database's default collation,
 * which is accent-, width- and case-insensitive and ignores some characters altogether: under it `vìctim`,
 * `víctim` and `victim` are one key. For values the app normalises itself (lower-cased emails, NFKC tags),
 * so that two distinct strings are never one row. drizzle's `varchar` has no collation option.
 */
export const exactVarchar = (name: string, length: number) =>
  customType<{ data: string; driverData: string }>({
    dataType: () => `varchar(${length}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
  })(name);
