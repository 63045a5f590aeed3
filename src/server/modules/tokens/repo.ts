import type { Queryable } from '../../../db/driver.js';

export interface TokenLookupRow {
  id: string;
  tenant_id: string;
  tenant_slug: string;
  kind: 'personal' | 'service';
  user_id: string | null;
  service_account_id: string | null;
  scopes: string[];
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  role: string;
  owner_active: boolean;
}

/** Finds a credential by its keyed hash, across tenants (the tenant is what we are finding out). */
export async function lookupByHash(q: Queryable, hash: Buffer): Promise<TokenLookupRow | undefined> {
  const { rows } = await q.query<TokenLookupRow>('SELECT * FROM auth_token_lookup($1)', [hash]);
  return rows[0];
}

export interface SessionLookupRow {
  user_id: string;
  tenant_slug: string;
  role: string;
  active: boolean;
  expires_at: Date | string;
  revoked_at: Date | string | null;
}

/** A login session with its user's current role, within the tenant the signed token names. */
export async function lookupSession(q: Queryable, tenantId: string, sessionId: string): Promise<SessionLookupRow | undefined> {
  const { rows } = await q.query<SessionLookupRow>(
    `SELECT s.user_id, n.slug AS tenant_slug, u.role, u.active, s.expires_at, s.revoked_at
       FROM sessions s
       JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
       JOIN tenants n ON n.id = s.tenant_id
      WHERE s.tenant_id = $1 AND s.id = $2`,
    [tenantId, sessionId],
  );
  return rows[0];
}

export interface NewToken {
  id: string;
  kind: 'personal' | 'service';
  userId?: string | null;
  serviceAccountId?: string | null;
  name: string;
  hash: Buffer;
  masked: string;
  scopes: string[];
  expiresAt?: Date | null;
  purpose?: 'api' | 'mcp';
  createdBy?: string | null;
  rotatedFrom?: string | null;
}

export async function insertToken(q: Queryable, tenantId: string, t: NewToken): Promise<void> {
  await q.query(
    `INSERT INTO api_tokens (tenant_id, id, kind, user_id, service_account_id, name, token_hash, masked, scopes, expires_at,
                             purpose, created_by, rotated_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      tenantId, t.id, t.kind, t.userId ?? null, t.serviceAccountId ?? null, t.name, t.hash, t.masked, t.scopes,
      t.expiresAt ?? null, t.purpose ?? 'api', t.createdBy ?? null, t.rotatedFrom ?? null,
    ],
  );
}

export async function touchLastUsed(q: Queryable, tenantId: string, tokenId: string): Promise<void> {
  await q.query('UPDATE api_tokens SET last_used_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, tokenId]);
}

export async function touchSession(q: Queryable, tenantId: string, sessionId: string): Promise<void> {
  await q.query('UPDATE sessions SET last_used_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, sessionId]);
}

export interface OauthAccessRow {
  tenant_id: string;
  tenant_slug: string;
  model: 'AccessToken' | 'ClientCredentials';
  grant_id: string | null;
  client_id: string;
  account_id: string | null;
  service_account_id: string | null;
  scope: string | null;
  /** The resource it was issued for (RFC 8707): `<origin>/api/v1` or `<origin>/mcp`. */
  audience: string | null;
  expires_at: Date | string | null;
  role: string | null;
  owner_active: boolean;
}

/** An OAuth access token by its keyed hash (lib/oauth-keys.ts), across tenants, with its owner's role. */
export async function lookupOauthAccess(q: Queryable, key: Buffer): Promise<OauthAccessRow | undefined> {
  const { rows } = await q.query<OauthAccessRow>('SELECT * FROM oauth_access_lookup($1)', [key]);
  return rows[0];
}
