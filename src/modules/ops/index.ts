// Health, readiness and the schema-version check: the router is all the app needs.
export { opsRoutes } from './routes.js';
