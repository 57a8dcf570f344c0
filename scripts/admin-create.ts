import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseBcryptCost } from '../src/config.js';
import { createPoolDatabase } from '../src/database.js';
import { systemClock } from '../src/deps.js';
import { scrubUrlCredentials } from '../src/logger.js';
import { recordPasswordSet, recordUserCreated, recordUserUpdate } from '../src/modules/users/audit.js';
import {
  findUserByEmail,
  insertUser,
  normaliseEmail,
  promoteToAdmin,
  setPassword,
} from '../src/modules/users/repo.js';
import { hashPassword } from '../src/passwords.js';

// `npm run admin:create -- --email a@b.c --password '…' [--name 'Ann Admin']` against DATABASE_URL:
// creates an admin, or makes the existing account with that email an active admin with the new password.
// The password is never printed, not even in an error message. (npm itself echoes the command line:
// hence `npm run -s` and --password-stdin in the usage text.)

const USAGE = `Usage: npm run -s admin:create -- --email <address> --password <at least 10 characters> [--name <display name>]
       printf '%s' "$PASSWORD" | npm run -s admin:create -- --email <address> --password-stdin
  Creates an admin account in DATABASE_URL (named --name, default "Administrator"), or promotes the
  existing account with that email to admin, reactivates it, sets the given password and signs it out
  of every session (an existing account keeps its name).
  -s keeps npm from echoing the command line; --password-stdin keeps the password out of it altogether.`;

const Args = z.object({
  email: z.email('--email must be an email address like ann@example.com').max(320, '--email is too long'),
  password: z
    .string()
    .min(10, '--password must be at least 10 characters')
    // bcrypt ignores everything after 72 bytes; refuse rather than silently store a shorter password.
    .refine((p) => new TextEncoder().encode(p).length <= 72, '--password must be at most 72 bytes'),
  name: z.string().trim().min(1, '--name must not be empty').max(200, '--name is too long').optional(),
});
type Args = z.infer<typeof Args>;

class UsageError extends Error {}

/** parseArgs' own messages can quote a stray argument, which may be the password: describe, never echo. */
function describeParseError(err: unknown): string {
  const code = (err as { code?: string }).code;
  const message = err instanceof Error ? err.message : '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = /'(--[a-z][a-z-]*)'/.exec(message)?.[1];
    return name ? `unknown option ${name}` : 'unknown option';
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL')
    return 'unexpected argument: every value must follow its option (quote values that contain spaces)';
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE')
    return 'an option is missing its value (write --password=VALUE if the value starts with "-")';
  return 'invalid arguments';
}

async function readStdin(): Promise<string> {
  let data = '';
  for await (const chunk of process.stdin) data += String(chunk);
  return data.replace(/\r?\n$/, '');
}

async function parse(argv: string[]): Promise<Args | 'help'> {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        email: { type: 'string' },
        password: { type: 'string' },
        'password-stdin': { type: 'boolean' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError(describeParseError(err));
  }
  if (values.help) return 'help';
  if (values.password !== undefined && values['password-stdin'])
    throw new UsageError('give either --password or --password-stdin, not both');
  const password = values['password-stdin'] ? await readStdin() : values.password;
  if (values.email === undefined) throw new UsageError('--email is required');
  if (password === undefined) throw new UsageError('--password (or --password-stdin) is required');
  const parsed = Args.safeParse({
    email: typeof values.email === 'string' ? values.email.trim() : values.email,
    password,
    name: values.name,
  });
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join('; '));
  return parsed.data;
}

/** The admin audit log names this script as the actor: whoever runs it holds the database's credentials. */
const CLI = { type: 'system', job: 'admin_cli' } as const;
const audit = { actor: null, clock: systemClock, client: { ip: null } };

async function createOrPromote(url: string, args: Args, bcryptCost: number): Promise<string> {
  // Hashed before the transaction opens, so no row lock waits on bcrypt.
  const passwordHash = await hashPassword(args.password, bcryptCost);
  const database = createPoolDatabase(url, { connectionLimit: 1 });
  try {
    return await database.use((db) =>
      db.transaction(async (tx) => {
        const existing = await findUserByEmail(tx, args.email);
        if (!existing) {
          const user = { email: args.email, name: args.name ?? 'Administrator', role: 'admin' } as const;
          const id = await insertUser(tx, systemClock, { ...user, passwordHash });
          await recordUserCreated(tx, audit, id, user, { action: 'user.created', actor: CLI });
          return `Created admin ${normaliseEmail(args.email)} (id ${id}).`;
        }
        await promoteToAdmin(tx, systemClock, existing.id);
        await setPassword(tx, systemClock, existing.id, passwordHash);
        await recordUserUpdate(tx, audit, existing, { role: 'admin', active: true }, CLI);
        await recordPasswordSet(tx, audit, existing.id, { action: 'user.password_reset', actor: CLI });
        const was = existing.role === 'admin' ? 'was already an admin' : `was ${existing.role}`;
        const nameNote = args.name
          ? ` --name was ignored: the account keeps its name "${existing.name}".`
          : '';
        return `Updated ${existing.email} (id ${existing.id}, ${was}): now an active admin with the new password; its sessions were revoked.${nameNote}`;
      }),
    );
  } finally {
    await database.close();
  }
}

async function main(): Promise<number> {
  let args: Args | 'help';
  try {
    args = await parse(process.argv.slice(2));
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    console.error(`admin:create: ${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('admin:create: DATABASE_URL is required (e.g. mysql://user:pass@127.0.0.1:3306/helpdesk)');
    return 2;
  }
  const cost = parseBcryptCost(process.env);
  if (!cost.ok) {
    console.error(`admin:create: ${cost.message}`);
    return 2;
  }
  try {
    console.log(await createOrPromote(url, args, cost.cost));
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    console.error(`admin:create failed: ${scrubUrlCredentials(message).split(args.password).join('***')}`);
    return 1;
  }
}

process.exitCode = await main();
