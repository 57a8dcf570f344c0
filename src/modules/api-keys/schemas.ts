import { z } from '@hono/zod-openapi';
import { API_KEY_SCOPES } from '../../../db/schema/index.js';
import { PageQuery, pageOf } from '../../http/pagination.js';
import { singleLine } from '../../http/text.js';
import type { ApiKeyRow } from './repo.js';

const scopeList = API_KEY_SCOPES.map((s) => `\`${s}\``).join(', ');

export const CreateApiKeyInput = z
  .strictObject({
    name: singleLine(
      z
        .string()
        .trim()
        .min(1, 'is required')
        .max(100, { message: 'must be at most 100 characters', abort: true }),
    ).openapi({ example: 'CRM sync' }),
    // Checked against the known scopes by the service, so an unknown one is 422 `unknown_scope`.
    scopes: z
      .array(z.string().max(64, 'is not a scope'))
      .min(1, 'must name at least one scope')
      .max(32, 'too many scopes')
      .openapi({ description: `One or more of ${scopeList}`, example: ['tickets:read', 'tickets:write'] }),
    expiresAt: z.iso
      .datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2027-01-01T00:00:00Z' })
      .nullable()
      .optional()
      .openapi({ description: 'When the key stops working; omit or null for never. Must be in the future.' }),
  })
  .openapi('CreateApiKeyInput');
export type CreateApiKeyInput = z.infer<typeof CreateApiKeyInput>;

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(z.enum(API_KEY_SCOPES)),
    prefix: z
      .string()
      .openapi({ description: 'The first characters of the key, to recognise it', example: 'hd_Xq3v9TzA' }),
    createdBy: z.string().nullable().openapi({ description: 'The admin who made it' }),
    createdAt: z.string(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
    lastUsedAt: z
      .string()
      .nullable()
      .openapi({ description: 'Within about a minute: recorded at most once a minute per key and instance' }),
  })
  .openapi('ApiKey');
export type ApiKey = z.infer<typeof ApiKey>;

export const CreatedApiKey = ApiKey.extend({
  key: z.string().openapi({
    description: 'The key itself: shown in this response only, stored only as a hash. Keep it secret.',
    example: 'hd_Xq3v9TzA7mK2pL8nR4sW1yB6cD0eF5gH9jJ3kM7qP2u',
  }),
}).openapi('CreatedApiKey');
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const ApiKeyPage = pageOf(ApiKey, 'ApiKeyPage');
export const ApiKeyListQuery = PageQuery;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toApiKey(row: ApiKeyRow): ApiKey {
  return {
    id: String(row.id),
    name: row.name,
    scopes: row.scopes,
    prefix: row.prefix,
    createdBy: row.createdBy === null ? null : String(row.createdBy),
    createdAt: row.createdAt.toISOString(),
    expiresAt: iso(row.expiresAt),
    revokedAt: iso(row.revokedAt),
    lastUsedAt: iso(row.lastUsedAt),
  };
}

export const apiKeyExample: ApiKey = {
  id: '3',
  name: 'CRM sync',
  scopes: ['tickets:read', 'tickets:write'],
  prefix: 'hd_Xq3v9TzA',
  createdBy: '1',
  createdAt: '2026-11-21T20:40:52.123Z',
  expiresAt: null,
  revokedAt: null,
  lastUsedAt: '2026-11-22T08:01:12.000Z',
};
