import { createRoute, z } from '@hono/zod-openapi';
import { ServiceUnavailableError } from '../../errors.js';
import { createRouter } from '../../http/openapi.js';
import { problemResponse } from '../../http/schemas.js';

const HealthSchema = z.object({ status: z.literal('ok') }).openapi('Health');

const health = createRoute({
  method: 'get',
  path: '/health',
  tags: ['Operations'],
  summary: 'Liveness: 200 while the process runs',
  responses: {
    200: { description: 'The process is up', content: { 'application/json': { schema: HealthSchema } } },
  },
});

const ready = createRoute({
  method: 'get',
  path: '/ready',
  tags: ['Operations'],
  summary: 'Readiness: 200 when the database answers, 503 otherwise',
  responses: {
    200: { description: 'The database answers', content: { 'application/json': { schema: HealthSchema } } },
    503: problemResponse('The database is unreachable'),
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
      return c.json({ status: 'ok' as const }, 200);
    });
}
