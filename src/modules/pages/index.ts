// The small HTML pages the API serves itself (verify an address, reset a password, rate a solved ticket:
// the links in emails).

export { CSAT_PATH } from '../tickets/index.js';
export { CSAT_PAGE } from './csat.js';
export { PAGE_PATHS, pageRoutes } from './routes.js';
