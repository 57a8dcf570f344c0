import bcrypt from 'bcryptjs';

/** bcrypt cost: ~60–100 ms per hash on a small instance; pure JS, so it runs on Workers too. */
export const BCRYPT_ROUNDS = 10;

export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_ROUNDS);
}

export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(password, hash);
}
