import type { Queryable } from '../../../db/driver.js';

export interface TenantRow {
  id: string;
  slug: string;
  name: string;
  created_at: string;
}

const COLUMNS = 'id, slug, name, iso(created_at) AS created_at';

export async function findBySlug(q: Queryable, slug: string): Promise<TenantRow | undefined> {
  return (await q.query<TenantRow>(`SELECT ${COLUMNS} FROM tenants WHERE slug = $1`, [slug])).rows[0];
}

export async function insert(q: Queryable, t: { id: string; slug: string; name: string }): Promise<void> {
  await q.query('INSERT INTO tenants (id, slug, name) VALUES ($1, $2, $3)', [t.id, t.slug, t.name]);
}

export async function list(q: Queryable): Promise<TenantRow[]> {
  return (await q.query<TenantRow>(`SELECT ${COLUMNS} FROM tenants ORDER BY created_at, id`)).rows;
}

export async function insertServiceAccount(
  q: Queryable,
  tenantId: string,
  sa: { id: string; name: string; role: string },
): Promise<void> {
  await q.query('INSERT INTO service_accounts (tenant_id, id, name, role) VALUES ($1, $2, $3, $4)', [
    tenantId,
    sa.id,
    sa.name,
    sa.role,
  ]);
}
