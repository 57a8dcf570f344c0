// The small HTML pages the API serves itself (verify an address, reset a password from the email).
export { PAGE_PATHS, pageRoutes } from './routes.js';
