import type { Queryable } from '../../../db/driver.js';
import type { ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';

export interface LoginCandidate {
  tenant_id: string;
  tenant_slug: string;
  user_id: string;
  password_hash: string | null;
  active: boolean;
  totp_enabled: boolean;
}

/** Accounts with this email, in the tenant of that slug or in all of them (owner-run lookup). */
export async function loginCandidates(q: Queryable, email: string, tenantSlug: string | null): Promise<LoginCandidate[]> {
  const { rows } = await q.query<LoginCandidate>('SELECT * FROM auth_login_candidates($1, $2)', [email, tenantSlug]);
  return rows;
}

export async function tenantIdOfSlug(q: Queryable, slug: string): Promise<string | undefined> {
  return (await q.query<{ id: string }>('SELECT id FROM tenants WHERE slug = $1', [slug])).rows[0]?.id;
}

export interface UserSecrets {
  id: string;
  email: string;
  role: string;
  active: boolean;
  password_hash: string | null;
  totp_secret: string | null;
  totp_pending: string | null;
  totp_enabled: boolean;
}

export async function userSecrets(q: Queryable, tenantId: string, userId: string): Promise<UserSecrets | undefined> {
  const { rows } = await q.query<UserSecrets>(
    `SELECT id, email, role, active, password_hash, totp_secret, totp_pending, totp_enabled_at IS NOT NULL AS totp_enabled
       FROM users WHERE tenant_id = $1 AND id = $2`,
    [tenantId, userId],
  );
  return rows[0];
}

/** Accepts a TOTP time step only if it is later than every one accepted before (no replay). */
export async function claimTotpStep(q: Queryable, tenantId: string, userId: string, step: number): Promise<boolean> {
  const { rows } = await q.query(
    `UPDATE users SET totp_last_step = $3
      WHERE tenant_id = $1 AND id = $2 AND (totp_last_step IS NULL OR totp_last_step < $3) RETURNING 1`,
    [tenantId, userId, step],
  );
  return rows.length > 0;
}

export async function setPendingTotp(q: Queryable, tenantId: string, userId: string, sealed: string | null): Promise<void> {
  await q.query('UPDATE users SET totp_pending = $3 WHERE tenant_id = $1 AND id = $2', [tenantId, userId, sealed]);
}

export async function enableTotp(q: Queryable, tenantId: string, userId: string, sealed: string, step: number): Promise<void> {
  await q.query(
    `UPDATE users SET totp_secret = $3, totp_pending = NULL, totp_enabled_at = now(), totp_last_step = $4, updated_at = now()
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, userId, sealed, step],
  );
}

export async function disableTotp(q: Queryable, tenantId: string, userId: string): Promise<void> {
  await q.query(
    `UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_enabled_at = NULL, updated_at = now()
      WHERE tenant_id = $1 AND id = $2`,
    [tenantId, userId],
  );
  await q.query('DELETE FROM user_recovery_codes WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
}

export async function replaceRecoveryCodes(q: Queryable, tenantId: string, userId: string, hashes: Buffer[]): Promise<void> {
  await q.query('DELETE FROM user_recovery_codes WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
  for (const h of hashes) {
    await q.query('INSERT INTO user_recovery_codes (tenant_id, user_id, code_hash) VALUES ($1, $2, $3)', [tenantId, userId, h]);
  }
}

/** Marks a recovery code used; false when it does not exist or was used before. */
export async function useRecoveryCode(q: Queryable, tenantId: string, userId: string, hash: Buffer): Promise<boolean> {
  const { rows } = await q.query(
    `UPDATE user_recovery_codes SET used_at = now()
      WHERE tenant_id = $1 AND user_id = $2 AND code_hash = $3 AND used_at IS NULL RETURNING 1`,
    [tenantId, userId, hash],
  );
  return rows.length > 0;
}

export async function setPassword(q: Queryable, tenantId: string, userId: string, hash: string): Promise<void> {
  await q.query(
    'UPDATE users SET password_hash = $3, password_changed_at = now(), updated_at = now() WHERE tenant_id = $1 AND id = $2',
    [tenantId, userId, hash],
  );
}

// ---- sessions and refresh tokens

export async function insertSession(
  q: Queryable,
  tenantId: string,
  s: { id: string; userId: string; ip: string | null; userAgent: string | null; expiresAt: Date },
): Promise<void> {
  await q.query(
    'INSERT INTO sessions (tenant_id, id, user_id, ip, user_agent, expires_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [tenantId, s.id, s.userId, s.ip, s.userAgent?.slice(0, 512) ?? null, s.expiresAt],
  );
}

/** Drops a user's sessions (and with them their refresh tokens) that ended more than a week ago. */
export async function pruneSessions(q: Queryable, tenantId: string, userId: string): Promise<void> {
  await q.query(
    `DELETE FROM sessions WHERE tenant_id = $1 AND user_id = $2
        AND (expires_at < now() - interval '7 days' OR revoked_at < now() - interval '7 days')`,
    [tenantId, userId],
  );
}

export async function insertRefreshToken(q: Queryable, tenantId: string, sessionId: string, hash: Buffer): Promise<void> {
  await q.query('INSERT INTO refresh_tokens (tenant_id, token_hash, session_id) VALUES ($1, $2, $3)', [tenantId, hash, sessionId]);
}

export interface RefreshLookupRow {
  tenant_id: string;
  tenant_slug: string;
  session_id: string;
}

export async function refreshLookup(q: Queryable, hash: Buffer): Promise<RefreshLookupRow | undefined> {
  return (await q.query<RefreshLookupRow>('SELECT * FROM auth_refresh_lookup($1)', [hash])).rows[0];
}

/** Marks a refresh token used; false when it had been used already (a replay). */
export async function useRefreshToken(q: Queryable, tenantId: string, hash: Buffer): Promise<boolean> {
  const { rows } = await q.query(
    'UPDATE refresh_tokens SET used_at = now() WHERE tenant_id = $1 AND token_hash = $2 AND used_at IS NULL RETURNING 1',
    [tenantId, hash],
  );
  return rows.length > 0;
}

export interface SessionRow {
  id: string;
  user_id: string;
  expires_at: Date | string;
  revoked_at: Date | string | null;
  active: boolean;
}

export async function sessionForUpdate(q: Queryable, tenantId: string, sessionId: string): Promise<SessionRow | undefined> {
  const { rows } = await q.query<SessionRow>(
    `SELECT s.id, s.user_id, s.expires_at, s.revoked_at, u.active
       FROM sessions s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = s.user_id
      WHERE s.tenant_id = $1 AND s.id = $2 FOR UPDATE OF s`,
    [tenantId, sessionId],
  );
  return rows[0];
}

export async function touchSession(q: Queryable, tenantId: string, sessionId: string): Promise<void> {
  await q.query('UPDATE sessions SET last_used_at = now() WHERE tenant_id = $1 AND id = $2', [tenantId, sessionId]);
}

/** Revokes sessions of a user (all, all but one, or one); returns the ids revoked now. */
export async function revokeSessions(
  q: Queryable,
  tenantId: string,
  opts: { userId: string; only?: string; except?: string; reason: string },
): Promise<string[]> {
  const { rows } = await q.query<{ id: string }>(
    `UPDATE sessions SET revoked_at = now(), revoke_reason = $5
      WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL
        AND ($3::text IS NULL OR id = $3) AND ($4::text IS NULL OR id <> $4)
     RETURNING id`,
    [tenantId, opts.userId, opts.only ?? null, opts.except ?? null, opts.reason],
  );
  return rows.map((r) => r.id);
}

/** The caller's sessions that still work, for GET /user/sessions (`current` is bound as $2). */
export const sessions: ListSpec = {
  table: 'sessions',
  alias: 's',
  json: jsonObject({
    id: 's.id', created_at: 'iso(s.created_at)', last_used_at: 'iso(s.last_used_at)', expires_at: 'iso(s.expires_at)', ip: 's.ip',
    user_agent: 's.user_agent',
  }),
  sorts: { created_at: 's.created_at', last_used_at: 's.last_used_at' },
  filters: {},
};
