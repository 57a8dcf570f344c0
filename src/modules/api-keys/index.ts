// The API keys module's front door: the routes (/api-keys), and what authentication needs to accept a
// key as a principal (recognise it, verify it, keep its lastUsedAt).
export { ApiKeyUsage, isApiKey, verifyApiKey } from './authenticate.js';
export { apiKeyRoutes } from './routes.js';
export { hashApiKey, newApiKey } from './service.js';
