import type { Queryable } from '../../../db/driver.js';

export interface SsoSettingsRow {
  enabled: boolean;
  display_name: string;
  issuer_url: string;
  client_id: string;
  /** Sealed (lib/sealed.ts); never leaves the service. */
  client_secret: string | null;
  allowed_domains: string[];
  default_role: string;
  passwords_allowed: boolean;
  updated_at: string;
}

const COLUMNS = `enabled, display_name, issuer_url, client_id, client_secret, allowed_domains, default_role, passwords_allowed,
  iso(updated_at) AS updated_at`;

export async function getSettings(q: Queryable, tenantId: string, lock = false): Promise<SsoSettingsRow | undefined> {
  const { rows } = await q.query<SsoSettingsRow>(
    `SELECT ${COLUMNS} FROM sso_settings WHERE tenant_id = $1${lock ? ' FOR UPDATE' : ''}`,
    [tenantId],
  );
  return rows[0];
}

export async function putSettings(q: Queryable, tenantId: string, s: Omit<SsoSettingsRow, 'updated_at'>): Promise<SsoSettingsRow> {
  const { rows } = await q.query<SsoSettingsRow>(
    `INSERT INTO sso_settings (tenant_id, enabled, display_name, issuer_url, client_id, client_secret, allowed_domains, default_role, passwords_allowed)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (tenant_id) DO UPDATE SET enabled = $2, display_name = $3, issuer_url = $4, client_id = $5, client_secret = $6,
       allowed_domains = $7, default_role = $8, passwords_allowed = $9, updated_at = clock_timestamp()
     RETURNING ${COLUMNS}`,
    [tenantId, s.enabled, s.display_name, s.issuer_url, s.client_id, s.client_secret, s.allowed_domains, s.default_role, s.passwords_allowed],
  );
  return rows[0]!;
}

export async function deleteSettings(q: Queryable, tenantId: string): Promise<boolean> {
  const { rows } = await q.query('DELETE FROM sso_settings WHERE tenant_id = $1 RETURNING 1', [tenantId]);
  await q.query('DELETE FROM sso_logins WHERE tenant_id = $1', [tenantId]);
  return rows.length > 0;
}

/**
 * For password login (auth/service.ts): the provider's name when the tenant has SSO on with
 * passwords turned off and this user is not an admin, so their password must be refused.
 */
export async function passwordRefusedBy(q: Queryable, tenantId: string, userId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ display_name: string }>(
    `SELECT s.display_name FROM sso_settings s JOIN users u ON u.tenant_id = s.tenant_id AND u.id = $2
      WHERE s.tenant_id = $1 AND s.enabled AND NOT s.passwords_allowed AND u.role <> 'admin'`,
    [tenantId, userId],
  );
  return rows[0]?.display_name;
}

export interface PendingLogin {
  nonce: string;
  code_verifier: string;
  redirect_uri: string;
  return_to: string;
}

export async function insertPendingLogin(
  q: Queryable,
  tenantId: string,
  p: PendingLogin & { stateHash: Buffer; seconds: number },
): Promise<void> {
  // Sign-ins abandoned at the provider are dropped by the next start of the tenant.
  await q.query('DELETE FROM sso_logins WHERE tenant_id = $1 AND expires_at < now()', [tenantId]);
  await q.query(
    `INSERT INTO sso_logins (tenant_id, state_hash, nonce, code_verifier, redirect_uri, return_to, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))`,
    [tenantId, p.stateHash, p.nonce, p.code_verifier, p.redirect_uri, p.return_to, p.seconds],
  );
}

/** Takes a pending sign-in by its state, once: the row is deleted whether or not it has expired. */
export async function claimPendingLogin(q: Queryable, tenantId: string, stateHash: Buffer): Promise<PendingLogin | undefined> {
  const { rows } = await q.query<PendingLogin & { live: boolean }>(
    `DELETE FROM sso_logins WHERE tenant_id = $1 AND state_hash = $2
     RETURNING nonce, code_verifier, redirect_uri, return_to, expires_at > now() AS live`,
    [tenantId, stateHash],
  );
  const row = rows[0];
  return row?.live ? row : undefined;
}

export interface SsoUser {
  id: string;
  email: string;
  active: boolean;
  role: string;
}

export async function userByEmail(q: Queryable, tenantId: string, email: string): Promise<SsoUser | undefined> {
  const { rows } = await q.query<SsoUser>('SELECT id, email, active, role FROM users WHERE tenant_id = $1 AND email = $2', [tenantId, email]);
  return rows[0];
}
