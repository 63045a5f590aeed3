import type { Queryable } from '../../../db/driver.js';
import { contains, flag, oneOf, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';
import { ROLES } from '../../lib/scopes.js';

export const serviceAccounts: ListSpec = {
  table: 'service_accounts',
  alias: 'sa',
  json: jsonObject({
    id: 'sa.id', name: 'sa.name', description: 'sa.description', role: 'sa.role', active: 'sa.active',
    token_count: '(SELECT count(*) FROM api_tokens t WHERE t.tenant_id = sa.tenant_id AND t.service_account_id = sa.id AND (t.revoked_at IS NULL OR t.revoked_at > now()) AND (t.expires_at IS NULL OR t.expires_at > now()))',
    created_at: 'iso(sa.created_at)', updated_at: 'iso(sa.updated_at)',
  }),
  sorts: { created_at: 'sa.created_at', updated_at: 'sa.updated_at', name: 'lower(sa.name)' },
  filters: {
    role: oneOf('role', 'role', ROLES),
    active: flag('active'),
    search: contains(['name']),
    // Deleted accounts are kept (their tokens' history refers to them) but never listed.
    live: (_v, _p, a) => `${a}.deleted_at IS NULL`,
  },
};

export interface SaState {
  id: string;
  name: string;
  description: string | null;
  role: string;
  active: boolean;
}

export async function saState(q: Queryable, tenantId: string, id: string): Promise<SaState | undefined> {
  const { rows } = await q.query<SaState>(
    'SELECT id, name, description, role, active FROM service_accounts WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR UPDATE',
    [tenantId, id],
  );
  return rows[0];
}

export async function getJson(q: Queryable, tenantId: string, id: string): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `SELECT (${serviceAccounts.json})::text AS j FROM service_accounts sa WHERE sa.tenant_id = $1 AND sa.id = $2 AND sa.deleted_at IS NULL`,
    [tenantId, id],
  );
  return rows[0]?.j;
}

export async function softDelete(q: Queryable, tenantId: string, id: string): Promise<string[]> {
  await q.query(
    'UPDATE service_accounts SET deleted_at = now(), active = false, updated_at = now() WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  const { rows } = await q.query<{ id: string }>(
    `UPDATE api_tokens SET revoked_at = now()
      WHERE tenant_id = $1 AND service_account_id = $2 AND (revoked_at IS NULL OR revoked_at > now()) RETURNING id`,
    [tenantId, id],
  );
  return rows.map((r) => r.id);
}
