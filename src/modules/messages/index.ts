// Conversations (GET/POST /tickets/{id}/messages): the router; message rows are written through tickets.
export { messageRoutes } from './routes.js';
export { CreateMessageInput } from './schemas.js';
export { create as createMessage } from './service.js';
