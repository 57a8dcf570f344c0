// Macros: named sets of ticket actions admins write and staff apply; the apply itself is the tickets
// module's `applyActions` (one change through the commit path).
export { macroRoutes } from './routes.js';
