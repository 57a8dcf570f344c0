// The accounts module's front door: account shapes, the account repo verbs auth and tickets use, the audit
// rows of account changes, and the routes (/users, /me).
export { recordPasswordSet, recordUserCreated, recordUserUpdate } from './audit.js';
export { ensureFirstAdmin } from './bootstrap.js';
export { type CustomerInput, findOrCreateCustomer } from './customers.js';
export type { UserRow } from './repo.js';
export {
  findUserByEmail,
  findUserById,
  insertUser,
  markEmailVerified,
  normaliseEmail,
  revokeUserSessions,
  setPassword,
  updateUser,
} from './repo.js';
export { userRoutes } from './routes.js';
export {
  Email,
  Password,
  PresentedPassword,
  toUser,
  UpdateMeInput,
  User,
  UserName,
} from './schemas.js';
export { userSubject } from './service.js';
