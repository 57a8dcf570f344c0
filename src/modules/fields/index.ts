// Custom ticket fields: the definitions (admin CRUD), the validation of values by type, their typed
// storage and the list filter. The tickets module uses these; this module knows nothing of tickets' verbs.
export { fieldFilters } from './filter.js';
export {
  fieldDefs,
  parseJsonColumn,
  parseViewValues,
  type ViewFieldValue,
  viewValuesSql,
  writeValues,
} from './repo.js';
export { fieldRoutes } from './routes.js';
export { type FieldDef, type FieldValue, validateFields } from './values.js';
