import type { Queryable } from '../../../db/driver.js';
import { contains, flag, oneOf, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';
import { ROLES } from '../../lib/scopes.js';

export const users: ListSpec = {
  table: 'users',
  alias: 'u',
  // Never any password or 2FA material.
  json: jsonObject({
    id: 'u.id', email: 'u.email', name: 'u.name', role: 'u.role', active: 'u.active', totp_enabled: 'u.totp_enabled_at IS NOT NULL',
    created_at: 'iso(u.created_at)', updated_at: 'iso(u.updated_at)',
  }),
  sorts: { created_at: 'u.created_at', updated_at: 'u.updated_at', email: 'u.email', name: 'lower(u.name)' },
  filters: {
    role: oneOf('role', 'role', ROLES),
    active: flag('active'),
    search: contains(['name', 'email']),
  },
};

export interface UserState {
  id: string;
  email: string;
  name: string;
  role: string;
  active: boolean;
}

export async function userState(q: Queryable, tenantId: string, id: string, lock = false): Promise<UserState | undefined> {
  const { rows } = await q.query<UserState>(
    `SELECT id, email, name, role, active FROM users WHERE tenant_id = $1 AND id = $2${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return rows[0];
}

export async function serviceAccountMe(q: Queryable, tenantId: string, id: string) {
  const { rows } = await q.query<{ id: string; name: string; role: string; active: boolean; created_at: string; updated_at: string }>(
    `SELECT id, name, role, active, iso(created_at) AS created_at, iso(updated_at) AS updated_at
       FROM service_accounts WHERE tenant_id = $1 AND id = $2`,
    [tenantId, id],
  );
  return rows[0];
}

export async function revokeAllSessions(q: Queryable, tenantId: string, userId: string, reason: string): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE sessions SET revoked_at = now(), revoke_reason = $3
      WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL RETURNING id`,
    [tenantId, userId, reason],
  );
  return rows.map((r) => r.id);
}

export async function countActiveAdmins(q: Queryable, tenantId: string): Promise<number> {
  const { rows } = await q.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM users WHERE tenant_id = $1 AND role = 'admin' AND active",
    [tenantId],
  );
  return Number(rows[0]!.n);
}

/** Serialises first-run setups of one tenant (until the transaction ends). */
export async function lockFirstUser(q: Queryable, tenantId: string): Promise<void> {
  await q.query("SELECT pg_advisory_xact_lock(hashtextextended('first-user:' || $1, 0))", [tenantId]);
}

export async function hasUsers(q: Queryable, tenantId: string): Promise<boolean> {
  const { rows } = await q.query<{ any: boolean }>('SELECT EXISTS (SELECT 1 FROM users WHERE tenant_id = $1) AS any', [tenantId]);
  return rows[0]!.any;
}
