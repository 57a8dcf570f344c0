// Groups of staff (/groups): members and the assignment mode. Tickets carry a group (the ticket module
// owns that column and round-robin assignment); this module administers the groups themselves.
export { groupRoutes } from './routes.js';
