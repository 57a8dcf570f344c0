import { createRoute, z } from '@hono/zod-openapi';
import { ServiceUnavailableError } from '../../errors.js';
import { healthExample } from '../../http/examples.js';
import { createRouter } from '../../http/openapi.js';
import { problemResponse } from '../../http/schemas.js';
import { checkSchema } from './schema-version.js';

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  security: [],
  tags: ['Operations'],
  summary: 'Liveness: 200 while the process runs',
  responses: {
    200: {
      description: 'The process is up',
      content: { 'application/json': { schema: HealthSchema, example: healthExample } },
    },
  },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  operationId: 'getReadiness',
  security: [],
  tags: ['Operations'],
  summary: 'Readiness: 200 when the database answers and is migrated, 503 otherwise',
  description:
    'Answers 503 `not_ready` while the database is unreachable, and 503 `not_migrated` while it lacks ' +
    'migrations this version needs (run `npm run db:migrate`).',
  responses: {
    200: {
      description: 'The database answers and has every migration',
      content: { 'application/json': { schema: HealthSchema, example: healthExample } },
    },
    503: problemResponse('The database is unreachable or not migrated'),
  },
});

/** /health and /ready. Neither needs a request-scoped database handle. */
export function opsRoutes() {
  return createRouter()
    .openapi(health, (c) => c.json({ status: 'ok' as const }, 200))
    .openapi(ready, async (c) => {
      try {
        await c.get('deps').database.ping(2000);
      } catch (err) {
        c.get('log').warn({ err }, 'readiness check failed');
        throw new ServiceUnavailableError('The database is unreachable.');
      }
      // A reachable but unmigrated database fails every API call: not ready either.
      const schema = await checkSchema(c.get('deps').database);
      if (schema !== 'current') {
        throw new ServiceUnavailableError(
          schema === 'unmigrated'
            ? 'The database has no tables yet: run the migrations (npm run db:migrate).'
            : 'The database lacks migrations this version needs: run npm run db:migrate.',
          'not_migrated',
        );
      }
      return c.json({ status: 'ok' as const }, 200);
    });
}
