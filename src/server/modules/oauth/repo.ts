import type { Queryable } from '../../../db/driver.js';

export interface StoredRow {
  tenant_id: string;
  payload: Record<string, unknown>;
  expires_at: Date | string | null;
  consumed_at: Date | string | null;
}

export interface NewStoredRow {
  key: Buffer;
  model: string;
  grantId: string | null;
  uidKey: Buffer | null;
  clientId: string | null;
  accountId: string | null;
  payload: Record<string, unknown>;
  expiresAt: Date | null;
}

export async function upsertStored(q: Queryable, tenantId: string, r: NewStoredRow): Promise<void> {
  await q.query(
    `INSERT INTO oauth_store (tenant_id, key, model, grant_id, uid_key, client_id, account_id, payload, expires_at, id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, CASE WHEN $3 = 'Grant' THEN $4 END)
     ON CONFLICT (tenant_id, key) DO UPDATE SET payload = EXCLUDED.payload, expires_at = EXCLUDED.expires_at,
       grant_id = EXCLUDED.grant_id, uid_key = EXCLUDED.uid_key, client_id = EXCLUDED.client_id, account_id = EXCLUDED.account_id`,
    [tenantId, r.key, r.model, r.grantId, r.uidKey, r.clientId, r.accountId, JSON.stringify(r.payload), r.expiresAt],
  );
}

/** By key across tenants (the tenant may be what the request is finding out). */
export async function findStored(q: Queryable, key: Buffer): Promise<StoredRow | undefined> {
  const { rows } = await q.query<StoredRow>('SELECT * FROM oauth_store_lookup($1)', [key]);
  return rows[0];
}

export async function findStoredByUid(q: Queryable, uidKey: Buffer): Promise<StoredRow | undefined> {
  const { rows } = await q.query<StoredRow>('SELECT * FROM oauth_store_uid_lookup($1)', [uidKey]);
  return rows[0];
}

/**
 * Marks a code or refresh token used, once: the row's grant when this call was the first, or
 * `{ first: false }` when another request had already taken it (at the same moment, too).
 */
export async function consumeStored(q: Queryable, tenantId: string, key: Buffer): Promise<{ first: boolean; grantId: string | null }> {
  const { rows } = await q.query<{ first: boolean; grant_id: string | null }>(
    `WITH taken AS (UPDATE oauth_store SET consumed_at = now() WHERE tenant_id = $1 AND key = $2 AND consumed_at IS NULL RETURNING grant_id)
     SELECT true AS first, grant_id FROM taken
     UNION ALL SELECT false, grant_id FROM oauth_store WHERE tenant_id = $1 AND key = $2 AND NOT EXISTS (SELECT 1 FROM taken)`,
    [tenantId, key],
  );
  return { first: rows[0]?.first ?? false, grantId: rows[0]?.grant_id ?? null };
}

export async function destroyStored(q: Queryable, tenantId: string, key: Buffer): Promise<{ model: string; grant_id: string | null; client_id: string | null } | undefined> {
  const { rows } = await q.query<{ model: string; grant_id: string | null; client_id: string | null }>(
    'DELETE FROM oauth_store WHERE tenant_id = $1 AND key = $2 RETURNING model, grant_id, client_id', [tenantId, key],
  );
  return rows[0];
}

export async function destroyGrant(q: Queryable, tenantId: string, grantId: string): Promise<number> {
  const { rows } = await q.query('DELETE FROM oauth_store WHERE tenant_id = $1 AND grant_id = $2 RETURNING 1', [tenantId, grantId]);
  return rows.length;
}

/** Expired rows, a batch at a time (the sweeper). */
export async function sweepExpired(q: Queryable): Promise<void> {
  await q.query('SELECT oauth_sweep()');
}

export interface ClientRow {
  tenant_id: string;
  id: string;
  name: string;
  client_type: 'confidential' | 'public';
  auth_method: 'client_secret_basic' | 'client_secret_post' | 'none';
  redirect_uris: string[];
  scopes: string[];
  secret_hash: string | null;
  service_account_id: string | null;
  sa_role: string | null;
  registered: boolean;
}

/** The tenant of a client id, across tenants. */
export async function clientTenant(q: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ tenant_id: string }>('SELECT tenant_id FROM oauth_client_tenant($1)', [id]);
  return rows[0]?.tenant_id;
}

export async function getClient(q: Queryable, tenantId: string, id: string): Promise<ClientRow | undefined> {
  const { rows } = await q.query<ClientRow>(
    `SELECT c.tenant_id, c.id, c.name, c.client_type, c.auth_method, c.redirect_uris, c.scopes, c.secret_hash,
            c.service_account_id, c.registered,
            CASE WHEN sa.active AND sa.deleted_at IS NULL THEN sa.role END AS sa_role
       FROM oauth_clients c
       LEFT JOIN service_accounts sa ON sa.tenant_id = c.tenant_id AND sa.id = c.service_account_id
      WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL`,
    [tenantId, id],
  );
  return rows[0];
}

export interface NewClient {
  id: string;
  name: string;
  clientType: 'confidential' | 'public';
  authMethod: 'client_secret_basic' | 'client_secret_post' | 'none';
  redirectUris: string[];
  scopes: string[];
  secretHash: string | null;
  serviceAccountId: string | null;
  registered: boolean;
  createdBy: string | null;
}

export async function insertClient(q: Queryable, tenantId: string, c: NewClient): Promise<void> {
  await q.query(
    `INSERT INTO oauth_clients (tenant_id, id, name, client_type, auth_method, redirect_uris, scopes, secret_hash,
                                service_account_id, registered, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [tenantId, c.id, c.name, c.clientType, c.authMethod, c.redirectUris, c.scopes, c.secretHash, c.serviceAccountId, c.registered, c.createdBy],
  );
}

/**
 * A client known by its metadata document (client ID metadata documents): its row in this tenant,
 * made on first use and kept up to date with the document (name, redirect URIs). False when an
 * admin removed it: then it stays out.
 */
export async function admitMetadataClient(
  q: Queryable, tenantId: string, c: { id: string; name: string; redirectUris: string[]; scopes: readonly string[] },
): Promise<boolean> {
  const { rows } = await q.query<{ id: string }>(
    `INSERT INTO oauth_clients AS c (tenant_id, id, name, client_type, auth_method, redirect_uris, scopes, registered)
     VALUES ($1, $2, $3, 'public', 'none', $4, $5, true)
     ON CONFLICT (tenant_id, id) DO UPDATE SET name = excluded.name, redirect_uris = excluded.redirect_uris, updated_at = now()
       WHERE c.deleted_at IS NULL AND (c.name, c.redirect_uris) IS DISTINCT FROM (excluded.name, excluded.redirect_uris)
     RETURNING c.id`,
    [tenantId, c.id, c.name, c.redirectUris, [...c.scopes]],
  );
  if (rows.length > 0) return true;
  const kept = await q.query<{ id: string }>('SELECT id FROM oauth_clients WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL', [tenantId, c.id]);
  return kept.rows.length > 0;
}

export async function tenantBySlug(q: Queryable, slug: string): Promise<{ id: string; name: string } | undefined> {
  return (await q.query<{ id: string; name: string }>('SELECT id, name FROM tenants WHERE slug = $1', [slug])).rows[0];
}

export async function activeUser(q: Queryable, tenantId: string, id: string): Promise<{ id: string; role: string } | undefined> {
  const { rows } = await q.query<{ id: string; role: string }>(
    'SELECT id, role FROM users WHERE tenant_id = $1 AND id = $2 AND active', [tenantId, id],
  );
  return rows[0];
}
