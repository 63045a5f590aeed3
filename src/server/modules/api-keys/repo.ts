import type { Queryable } from '../../../db/driver.js';
import { contains, equals, oneOf, splitList, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';
import { fieldError } from '../../lib/errors.js';

const STATUS = `CASE WHEN t.revoked_at IS NOT NULL AND t.revoked_at <= now() THEN 'revoked'
                     WHEN t.expires_at IS NOT NULL AND t.expires_at <= now() THEN 'expired' ELSE 'active' END`;

/** API tokens as the API shows them: masked, never the secret or its hash. */
export const apiTokens: ListSpec = {
  table: 'api_tokens',
  alias: 't',
  json: jsonObject({
    id: 't.id', name: 't.name', label: 't.name', kind: 't.kind', purpose: 't.purpose', user_id: 't.user_id',
    service_account_id: 't.service_account_id', key: 't.masked', masked: 't.masked', scopes: 'to_json(t.scopes)', status: STATUS,
    expires_at: 'iso(t.expires_at)', created_at: 'iso(t.created_at)', last_used_at: 'iso(t.last_used_at)',
    revoked_at: 'iso(t.revoked_at)', rotated_from: 't.rotated_from', created_by: 't.created_by',
  }),
  sorts: { created_at: 't.created_at', last_used_at: 't.last_used_at', name: 'lower(t.name)', expires_at: 't.expires_at' },
  filters: {
    status: (value, _p, a) => {
      const conds: Record<string, string> = {
        active: `((${a}.revoked_at IS NULL OR ${a}.revoked_at > now()) AND (${a}.expires_at IS NULL OR ${a}.expires_at > now()))`,
        revoked: `(${a}.revoked_at IS NOT NULL AND ${a}.revoked_at <= now())`,
        expired: `(${a}.expires_at IS NOT NULL AND ${a}.expires_at <= now() AND (${a}.revoked_at IS NULL OR ${a}.revoked_at > now()))`,
      };
      const parts = splitList(value).map((v) => conds[v]);
      if (parts.length === 0 || parts.some((c) => c === undefined)) throw fieldError('status', 'must be one or more of active, revoked, expired');
      return `(${parts.join(' OR ')})`;
    },
    kind: oneOf('kind', 'kind', ['personal', 'service']),
    purpose: oneOf('purpose', 'purpose', ['api', 'mcp']),
    user_id: equals('user_id'),
    service_account_id: equals('service_account_id'),
    search: contains(['name']),
  },
};

export interface TokenState {
  id: string;
  kind: 'personal' | 'service';
  user_id: string | null;
  service_account_id: string | null;
  name: string;
  scopes: string[];
  purpose: 'api' | 'mcp';
  expires_at: Date | string | null;
  revoked: boolean;
}

export async function tokenState(q: Queryable, tenantId: string, id: string): Promise<TokenState | undefined> {
  const { rows } = await q.query<TokenState>(
    `SELECT id, kind, user_id, service_account_id, name, scopes, purpose, expires_at,
            (revoked_at IS NOT NULL AND revoked_at <= now()) AS revoked
       FROM api_tokens WHERE tenant_id = $1 AND id = $2 FOR UPDATE`,
    [tenantId, id],
  );
  return rows[0];
}

/** Revokes a token at `at` (now, or the end of a rotation's grace period); returns its new JSON. */
export async function revokeToken(q: Queryable, tenantId: string, id: string, graceSeconds = 0): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `UPDATE api_tokens t SET revoked_at = now() + make_interval(secs => $3)
      WHERE t.tenant_id = $1 AND t.id = $2 AND (t.revoked_at IS NULL OR t.revoked_at > now() + make_interval(secs => $3))
     RETURNING (${apiTokens.json})::text AS j`,
    [tenantId, id, graceSeconds],
  );
  return rows[0]?.j;
}

/**
 * Revokes every token of a user that still works or would until a rotation's grace ends (a
 * deactivation); returns each one's id and new JSON, for the audit log and the credential cache.
 */
export async function revokeTokensOfUser(q: Queryable, tenantId: string, userId: string): Promise<{ id: string; json: string }[]> {
  const { rows } = await q.query<{ id: string; j: string }>(
    `UPDATE api_tokens t SET revoked_at = now()
      WHERE t.tenant_id = $1 AND t.user_id = $2 AND (t.revoked_at IS NULL OR t.revoked_at > now())
     RETURNING t.id, (${apiTokens.json})::text AS j`,
    [tenantId, userId],
  );
  return rows.map((r) => ({ id: r.id, json: r.j }));
}

export async function serviceAccountRole(q: Queryable, tenantId: string, id: string): Promise<{ role: string; active: boolean } | undefined> {
  const { rows } = await q.query<{ role: string; active: boolean }>(
    'SELECT role, active FROM service_accounts WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL',
    [tenantId, id],
  );
  return rows[0];
}
