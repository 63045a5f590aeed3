import { api } from '../../../api/client';
import { unwrap } from '../../../api/errors';
import type { Data } from '../../../api/types';
import type { Expiration } from '../../../app/scopes';

/** API keys and MCP tokens share one shape; these are the calls of each kind. */
export type Purpose = 'api' | 'mcp';
export type Token = Data<'listOwnApiKeys'>[number];
export type CreatedToken = Data<'createOwnApiKey'>;
export interface NewToken {
  name: string;
  scopes: string[];
  expires_in: Expiration;
}

export const tokenKey = (purpose: Purpose) => (purpose === 'api' ? 'api-keys' : 'mcp-tokens');

export function listTokens(purpose: Purpose, page: number, limit: number) {
  const query = { page, limit, sort: 'created_at' as const, order: 'desc' as const };
  return purpose === 'api'
    ? unwrap(api.GET('/user/api-keys', { params: { query } }))
    : unwrap(api.GET('/user/mcp-tokens', { params: { query } }));
}

export async function createToken(purpose: Purpose, body: NewToken): Promise<CreatedToken> {
  const r = purpose === 'api'
    ? await unwrap(api.POST('/user/api-keys', { body }))
    : await unwrap(api.POST('/user/mcp-tokens', { body }));
  return r.data;
}

export async function revokeToken(purpose: Purpose, id: string): Promise<void> {
  const path = { id };
  await (purpose === 'api'
    ? unwrap(api.DELETE('/user/api-keys/{id}', { params: { path } }))
    : unwrap(api.DELETE('/user/mcp-tokens/{id}', { params: { path } })));
}
