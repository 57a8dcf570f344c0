import { randomBytes } from 'node:crypto';
import type supertest from 'supertest';
import type { Role } from '../../db/schema/index.js';
import type { Database } from '../../src/database.js';
import { login } from './auth.js';
import { makeAccount } from './factories.js';

/** A signed-in account: its id, email, name and a bearer header for supertest's `.set(...actor.auth)`. */
export interface Actor {
  id: string;
  email: string;
  name: string;
  role: Role;
  token: string;
  auth: [string, string];
}

/** Creates an account of any role (staff cannot self-register) and logs it in through the API. */
export async function signIn(
  http: ReturnType<typeof supertest>,
  database: Database,
  role: Role = 'user',
): Promise<Actor> {
  const name = `${role[0]!.toUpperCase()}${role.slice(1)} ${randomBytes(2).toString('hex')}`;
  const account = await database.use((db) => makeAccount(db, role, { name }));
  const { accessToken: token } = await login(http, account);
  return {
    id: String(account.id),
    email: account.email,
    name,
    role,
    token,
    auth: ['Authorization', `Bearer ${token}`],
  };
}
