import { serve } from '@hono/node-server';
import { Hono } from 'hono';

// Ceiling for the HTTP layer: the smallest Hono app on @hono/node-server, answering small JSON.
const port = Number(process.argv[2] ?? 0);
const app = new Hono();
app.get('/', (c) => c.json({ status: 'ok', id: '1042', subject: 'Printer on fire' }));
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => process.stdout.write('ready\n'));
