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

  it('is one Node web service: node build without dev dependencies, migrate, start, liveness check', () => {
    expect(blueprint.services).toHaveLength(1);
    expect(web).toMatchObject({
      type: 'web',
      runtime: 'node',
      // Builds with the dev dependencies (tsc), then prunes them: wrangler and workerd never ship.
      buildCommand: 'npm ci --include=dev && npm run build:node && npm prune --omit=dev',
      preDeployCommand: 'npm run db:migrate',
      startCommand: 'npm start',
      // /ready fails while the database blips; Render would restart instances that are fine.
      healthCheckPath: '/health',
    });
    // The Node build must not build (or budget) the Worker bundle; `npm run build` still does both.
    expect(pkg.scripts['build:node']).toContain('tsc -p tsconfig.build.json');
    expect(pkg.scripts['build:node']).not.toMatch(/build-worker|wrangler/);
    expect(pkg.scripts['build:worker']).toBe('node scripts/build-worker.mjs');
    expect(pkg.scripts.build).toBe('npm run build:node && npm run build:worker');
    // What runs after the prune needs node only: no tsx, no tsc.
    for (const script of ['db:migrate', 'admin:create', 'db:seed', 'start']) {
      expect(pkg.scripts[script], script).toMatch(/^node /);
    }
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

  it('generates the templates module and the /docs asset itself, so a fresh clone deploys (fresh-clone.test.ts runs it)', () => {
    expect(config.build.command).toBe(
      'node scripts/gen-templates.mjs && node scripts/docs-asset.mjs .wrangler-assets/docs',
    );
    // The /docs bundle is a static asset; the Worker answers every path itself (its headers, its CSP).
    expect(config.assets).toMatchObject({
      directory: expect.stringMatching(/\.wrangler-assets$/),
      binding: 'ASSETS',
      run_worker_first: true,
    });
  });

  it('keeps secrets and the database URL out of [vars]', () => {
    expect(Object.keys(config.vars).sort()).toEqual(['APP_URL', 'LOG_LEVEL', 'MAIL_FROM', 'NODE_ENV']);
  });
});

describe('docker-compose.yml', () => {
  interface ComposeService {
    image?: string;
    ports?: string[];
    environment?: Record<string, string>;
  }
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, ComposeService>;
  };
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it('publishes ports on 127.0.0.1 only: never MySQL (or the demo secrets) to the network', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const port of service.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
  });

  it('pins every image to a version', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (!service.image) continue;
      expect(service.image, name).toMatch(/:[^:]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
  });

  it('documents its default credentials and JWT_SECRET in the README', () => {
    const values = Object.values(compose.services).flatMap((s) => Object.values(s.environment ?? {}));
    const defaults = [...values.join('\n').matchAll(/\$\{(\w+):-([^}]*)\}/g)];
    expect(defaults.map((d) => d[1])).toEqual(expect.arrayContaining(['JWT_SECRET', 'ADMIN_PASSWORD']));
    const section = readme.slice(readme.indexOf('### Docker Compose'));
    expect(section.length).toBeLessThan(readme.length);
    for (const [, key, value] of defaults) {
      expect(section, key).toContain(`\`${key}\``);
      expect(section, key).toContain(value);
    }
  });
});
