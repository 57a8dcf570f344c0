// Reports (GET /reports/*): the routes, and the rollup the ticket commit path writes.
export { type RollupFacts, recordRollup, rollupRows } from './rollup.js';
export { reportRoutes } from './routes.js';
