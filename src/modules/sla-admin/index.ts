// Administering SLAs: the business-hours calendar (/business-hours) and the policies (/sla-policies).
// Each write re-derives the open tickets' due times through the tickets module.
export { slaAdminRoutes } from './routes.js';
