import type { Queryable } from '../../../db/driver.js';
import type { ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';

export const clients: ListSpec = {
  table: 'oauth_clients',
  alias: 'c',
  json: jsonObject({
    id: 'c.id', name: 'c.name', client_type: 'c.client_type', token_endpoint_auth_method: 'c.auth_method',
    redirect_uris: 'c.redirect_uris', scopes: 'c.scopes', service_account_id: 'c.service_account_id',
    registered: 'c.registered', created_at: 'iso(c.created_at)',
  }),
  sorts: { created_at: 'c.created_at', name: 'lower(c.name)' },
  filters: { live: (_v, _p, a) => `${a}.deleted_at IS NULL` },
};

export async function clientJson(q: Queryable, tenantId: string, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `SELECT (${clients.json})::text AS j FROM oauth_clients c WHERE c.tenant_id = $1 AND c.id = $2 AND c.deleted_at IS NULL`, [tenantId, id],
  );
  return rows[0]?.j;
}

/** Grants (oidc-provider's Grant rows): an app's consented access on behalf of a user. */
export const grants: ListSpec = {
  table: 'oauth_store',
  alias: 'g',
  json: jsonObject({
    id: 'g.id',
    client: `(SELECT row_to_json(x) FROM (SELECT oc.id, oc.name FROM oauth_clients oc WHERE oc.tenant_id = g.tenant_id AND oc.id = g.client_id) x)`,
    user: `(SELECT row_to_json(x) FROM (SELECT u.id, u.name, u.email FROM users u WHERE u.tenant_id = g.tenant_id AND u.id = g.account_id) x)`,
    scopes: `(SELECT coalesce(array_agg(DISTINCT s ORDER BY s), '{}') FROM jsonb_each_text(coalesce(g.payload->'resources', '{}'::jsonb)) r,
               unnest(string_to_array(r.value, ' ')) s)`,
    created_at: 'iso(g.created_at)',
    expires_at: 'iso(g.expires_at)',
  }),
  sorts: { created_at: 'g.created_at' },
  filters: {
    live: (_v, _p, a) => `(${a}.expires_at IS NULL OR ${a}.expires_at > now())
      AND EXISTS (SELECT 1 FROM oauth_clients oc WHERE oc.tenant_id = ${a}.tenant_id AND oc.id = ${a}.client_id AND oc.deleted_at IS NULL)`,
  },
};
