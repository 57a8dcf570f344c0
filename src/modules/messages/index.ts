// Conversations (GET/POST /tickets/{id}/messages): the router; message rows are written through tickets.
export { messageRoutes } from './routes.js';
