import type { Queryable } from '../../../db/driver.js';

export type LinkKind = 'invitation' | 'password_reset';

export interface LinkLookupRow {
  tenant_id: string;
  tenant_slug: string;
  tenant_name: string;
  user_id: string;
  email: string;
  name: string;
  kind: LinkKind;
  expires_at: Date | string;
}

/** A live link (not expired, its user active) by its keyed hash, across tenants (owner-run). */
export async function lookupLink(q: Queryable, hash: Buffer): Promise<LinkLookupRow | undefined> {
  return (await q.query<LinkLookupRow>('SELECT * FROM auth_invitation_lookup($1)', [hash])).rows[0];
}

/** The user's one link: a new one replaces whatever link they had. */
export async function replaceLink(
  q: Queryable,
  tenantId: string,
  l: { userId: string; kind: LinkKind; hash: Buffer; expiresAt: Date; createdBy: string | null },
): Promise<void> {
  await q.query(
    `INSERT INTO invitations (tenant_id, user_id, kind, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, user_id) DO UPDATE
       SET kind = EXCLUDED.kind, token_hash = EXCLUDED.token_hash, created_by = EXCLUDED.created_by,
           created_at = now(), expires_at = EXCLUDED.expires_at`,
    [tenantId, l.userId, l.kind, l.hash, l.createdBy, l.expiresAt],
  );
}

/** Uses a link up: deletes it if it is live and of this kind; the user id, or undefined. Once only. */
export async function consumeLink(q: Queryable, tenantId: string, hash: Buffer, kind: LinkKind): Promise<string | undefined> {
  const { rows } = await q.query<{ user_id: string }>(
    `DELETE FROM invitations WHERE tenant_id = $1 AND token_hash = $2 AND kind = $3 AND expires_at > now() RETURNING user_id`,
    [tenantId, hash, kind],
  );
  return rows[0]?.user_id;
}

export async function deleteLinks(q: Queryable, tenantId: string, userId: string): Promise<void> {
  await q.query('DELETE FROM invitations WHERE tenant_id = $1 AND user_id = $2', [tenantId, userId]);
}

export interface LinkUser {
  id: string;
  email: string;
  active: boolean;
  has_password: boolean;
}

export async function linkUser(q: Queryable, tenantId: string, userId: string): Promise<LinkUser | undefined> {
  const { rows } = await q.query<LinkUser>(
    'SELECT id, email, active, password_hash IS NOT NULL AS has_password FROM users WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
    [tenantId, userId],
  );
  return rows[0];
}
