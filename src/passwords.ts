import bcrypt from 'bcryptjs';

/**
 * Hashes a password with bcrypt at `cost` (config.bcryptCost, BCRYPT_COST; log2 rounds, so each step
 * doubles the time). bcryptjs is pure JS, so it runs on Workers too, but it occupies the thread it runs
 * on: the Node entry hands it to a worker-thread pool instead (src/entry/bcrypt-pool.ts).
 */
export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

/** Compares at the cost recorded in `hash`, so hashes made at an older cost keep working. */
export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}

/** Where password hashing runs; services reach it as `ctx.passwords`. */
export interface PasswordHasher {
  hash(password: string, cost: number): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}

/** bcryptjs on the calling thread: Workers (no threads there), scripts and tests. */
export const inlineHasher: PasswordHasher = { hash: hashPassword, verify: verifyPassword };
