import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseBcryptCost } from '../src/config.js';
import { createPoolDatabase, insertId, type Queryable } from '../src/database.js';
import { type Clock, systemClock } from '../src/deps.js';
import { ConflictError } from '../src/errors.js';
import { scrubUrlCredentials } from '../src/logger.js';
import { findUserByEmail, insertUser } from '../src/modules/users/repo.js';
import { hashPassword } from '../src/passwords.js';
import { businessCalendars, groupMembers, groups, type Role, slaPolicies } from './schema/index.js';

/**
 * Demo accounts for local runs only (`npm run dev`, `npm run db:seed`). The passwords are public — they
 * are printed in the dev banner — so this must never run against a production database.
 */
export const DEMO_ACCOUNTS: readonly { email: string; name: string; role: Role; password: string }[] = [
  { email: 'admin@example.com', name: 'Ada Admin', role: 'admin', password: 'demo-admin-pass' },
  { email: 'agent@example.com', name: 'Alex Agent', role: 'agent', password: 'demo-agent-pass' },
  { email: 'user@example.com', name: 'Uma User', role: 'user', password: 'demo-user-pass' },
];

export type SeedOutcome = { email: string; role: Role; result: 'created' | 'exists' };

/**
 * Creates each demo account that does not exist yet. Idempotent and safe to run concurrently (the
 * unique email index decides); an existing account is left exactly as it is, password included.
 */
export async function seedDemo(db: Queryable, clock: Clock, bcryptCost: number): Promise<SeedOutcome[]> {
  const outcomes: SeedOutcome[] = [];
  for (const account of DEMO_ACCOUNTS) {
    let result: SeedOutcome['result'] = 'exists';
    if (!(await findUserByEmail(db, account.email))) {
      try {
        const { password, ...rest } = account;
        await insertUser(db, clock, { ...rest, passwordHash: await hashPassword(password, bcryptCost) });
        result = 'created';
      } catch (err) {
        // Another seed run inserted it between our lookup and insert: that is the outcome we wanted.
        if (!(err instanceof ConflictError)) throw err;
      }
    }
    outcomes.push({ email: account.email, role: account.role, result });
  }
  await seedTriage(db, clock);
  return outcomes;
}

/**
 * Two groups, a business-hours calendar and two SLA policies, so the SLA fields show from the first
 * request. Only into an empty configuration: anything an admin has set up is left alone.
 */
export async function seedTriage(db: Queryable, clock: Clock): Promise<void> {
  const [anyGroup] = await db.select({ id: groups.id }).from(groups).limit(1);
  const [anyPolicy] = await db.select({ id: slaPolicies.id }).from(slaPolicies).limit(1);
  const [calendar] = await db.select({ id: businessCalendars.id }).from(businessCalendars).limit(1);
  const now = clock.now();
  if (!anyGroup) {
    const staff = async (email: string) => (await findUserByEmail(db, email))?.id;
    const admin = await staff('admin@example.com');
    const agent = await staff('agent@example.com');
    const add = async (
      name: string,
      description: string,
      assignment: 'manual' | 'round_robin',
      members: (number | undefined)[],
    ) => {
      const result = await db
        .insert(groups)
        .values({ name, description, assignment, createdAt: now, updatedAt: now });
      const groupId = insertId(result);
      const ids = members.filter((m): m is number => m !== undefined);
      if (ids.length > 0) await db.insert(groupMembers).values(ids.map((userId) => ({ groupId, userId })));
    };
    await add('Support', 'First line: everything not yet triaged', 'round_robin', [agent, admin]);
    await add('Billing', 'Invoices, refunds and payments', 'manual', [admin]);
  }
  if (!calendar) {
    const day: [string, string][] = [['09:00', '17:00']];
    await db.insert(businessCalendars).values({
      id: 1,
      timezone: 'Europe/London',
      week: { mon: day, tue: day, wed: day, thu: day, fri: day },
      holidays: ['2026-12-25', '2026-12-28', '2027-01-01'],
      updatedAt: now,
    });
  }
  if (!anyPolicy) {
    await db.insert(slaPolicies).values([
      {
        name: 'Urgent and high',
        position: 10,
        match: { priorities: ['urgent', 'high'] },
        firstResponseMinutes: 60,
        nextResponseMinutes: 120,
        resolutionMinutes: 480,
        businessHours: false,
        createdAt: now,
        updatedAt: now,
      },
      {
        name: 'Standard (business hours)',
        position: 100,
        match: {},
        firstResponseMinutes: 240,
        nextResponseMinutes: 480,
        resolutionMinutes: 2400,
        businessHours: true,
        createdAt: now,
        updatedAt: now,
      },
    ]);
  }
}

async function main(): Promise<number> {
  if (process.env.NODE_ENV === 'production') {
    console.error('db:seed refuses to run with NODE_ENV=production: the demo passwords are public.');
    return 1;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is required (e.g. mysql://user:pass@127.0.0.1:3306/helpdesk)');
    return 1;
  }
  const cost = parseBcryptCost(process.env);
  if (!cost.ok) {
    console.error(cost.message);
    return 1;
  }
  const database = createPoolDatabase(url, { connectionLimit: 1 });
  try {
    const outcomes = await database.use((db) => seedDemo(db, systemClock, cost.cost));
    console.log(`Demo accounts in ${scrubUrlCredentials(url)}:`);
    for (const o of outcomes) {
      const password = DEMO_ACCOUNTS.find((a) => a.email === o.email)?.password;
      const note = o.result === 'created' ? `password ${password}` : 'already existed, left unchanged';
      console.log(`  ${o.role.padEnd(5)}  ${o.email.padEnd(18)}  ${note}`);
    }
    return 0;
  } catch (err) {
    console.error(`seeding failed: ${scrubUrlCredentials(err instanceof Error ? err.message : String(err))}`);
    return 1;
  } finally {
    await database.close();
  }
}

// Runs only as `npm run db:seed` (tsx db/seed.ts); importing this file (dev.ts, tests) does nothing.
const realpath = (p: string | undefined) => {
  try {
    return p ? realpathSync(p) : '';
  } catch {
    return '';
  }
};
if (realpath(process.argv[1]) === realpath(fileURLToPath(import.meta.url))) process.exitCode = await main();
