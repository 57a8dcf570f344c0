import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unstable_readConfig } from 'wrangler';
import { parse } from 'yaml';
import { parseConfig } from '../../src/config.js';

// The deploy files say what the README's "Deploying" section says: render.yaml is a Blueprint that
// builds, migrates before each deploy, starts and health-checks the Node entry with a configuration
// the app accepts; wrangler.toml binds Hyperdrive, enables nodejs_compat and runs the cron trigger.

const root = join(import.meta.dirname, '..', '..');
Object.assign(process.env, { CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false' });

interface EnvVar {
  key: string;
  value?: string;
  sync?: boolean;
  generateValue?: boolean;
}
interface Service {
  type: string;
  runtime: string;
  buildCommand: string;
  preDeployCommand: string;
  startCommand: string;
  healthCheckPath: string;
  envVars: EnvVar[];
}

const blueprint = parse(readFileSync(join(root, 'render.yaml'), 'utf8')) as { services: Service[] };
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('render.yaml', () => {
  const [web] = blueprint.services;
  const vars = new Map((web?.envVars ?? []).map((v) => [v.key, v]));

  it('is one Node web service: build, migrate before deploy, start, health check on /ready', () => {
    expect(blueprint.services).toHaveLength(1);
    expect(web).toMatchObject({
      type: 'web',
      runtime: 'node',
      buildCommand: 'npm ci --include=dev && npm run build',
      preDeployCommand: 'npm run db:migrate',
      startCommand: 'npm start',
      healthCheckPath: '/ready',
    });
    // The pre-deploy command runs with what the build installed: tsx must be among the devDependencies
    // that --include=dev keeps, and `npm start` must serve what `npm run build` compiles.
    expect(pkg.scripts['db:migrate']).toBe('tsx scripts/migrate.ts');
    expect(pkg.devDependencies.tsx).toBeDefined();
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
    expect(pkg.scripts.start).toBe('node dist/src/entry/node.js');
  });

  it('declares the environment: secrets asked for or generated, never written in the file', () => {
    for (const key of ['DATABASE_URL', 'SMTP_URL', 'APP_URL', 'ADMIN_EMAIL', 'ADMIN_PASSWORD']) {
      expect(vars.get(key), key).toEqual({ key, sync: false });
    }
    expect(vars.get('JWT_SECRET')).toEqual({ key: 'JWT_SECRET', generateValue: true });
    expect(vars.get('NODE_ENV')?.value).toBe('production');
    expect(vars.get('MAIL_FROM')?.value).toMatch(/<[^@\s]+@[^@\s]+>/);
    expect(vars.get('BCRYPT_COST')?.value).toMatch(/^\d+$/);
  });

  it('gives the app a configuration it accepts once the dashboard values are filled in', () => {
    const record: Record<string, string> = {};
    for (const v of vars.values()) {
      if (v.value !== undefined) record[v.key] = v.value;
      else if (v.generateValue) record[v.key] = 'x'.repeat(48); // Render generates a 256-bit base64 value
    }
    Object.assign(record, {
      DATABASE_URL: 'mysql://helpdesk:pw@db.example.com:3306/helpdesk',
      SMTP_URL: 'smtp://user:pw@live.smtp.mailtrap.io:587',
      APP_URL: 'https://helpdesk-api.onrender.com',
    });
    const parsed = parseConfig(record);
    expect(parsed.ok ? parsed.warnings : parsed.message).toEqual([]);
    if (parsed.ok) expect(parsed.config).toMatchObject({ env: 'production', bcryptCost: 12, admin: null });
  });
});

describe('wrangler.toml', () => {
  const config = unstable_readConfig({ config: join(root, 'wrangler.toml') });

  it('serves src/entry/worker.ts with nodejs_compat, a Hyperdrive binding and a cron trigger', () => {
    expect(config.main).toBe(join(root, 'src/entry/worker.ts'));
    expect(config.compatibility_flags).toContain('nodejs_compat');
    expect(config.hyperdrive).toEqual([expect.objectContaining({ binding: 'HYPERDRIVE' })]);
    expect(config.triggers.crons).toEqual(['* * * * *']);
    expect(config.alias).toEqual({ 'generate-function': './src/entry/workers-shims/generate-function.cjs' });
  });

  it('keeps secrets and the database URL out of [vars]', () => {
    expect(Object.keys(config.vars).sort()).toEqual(['APP_URL', 'LOG_LEVEL', 'MAIL_FROM', 'NODE_ENV']);
  });
});
