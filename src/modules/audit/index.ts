// A ticket's audit trail (GET /tickets/{id}/events): the router.
export { auditRoutes } from './routes.js';
