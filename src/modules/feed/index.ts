// The change feed (GET /events): what other modules and the entries may use.
export { sequenceFeed, startFeedLoop } from './background.js';
export { exportRoutes, feedRoutes } from './routes.js';
export { Event } from './schemas.js';
