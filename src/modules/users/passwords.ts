import bcrypt from 'bcryptjs';

/**
 * Hashes a password with bcrypt at `cost` (config.bcryptCost, BCRYPT_COST; log2 rounds, so each step
 * doubles the time). bcryptjs is pure JS, so it runs on Workers too, but it occupies the event loop while
 * it works: the README lists what one hash costs here.
 */
export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, cost);
}

/** Compares at the cost recorded in `hash`, so hashes made at an older cost keep working. */
export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}
