import type { Queryable } from '../../../db/driver.js';
import { after, before, contains, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';

export const clients: ListSpec = {
  table: 'clients',
  alias: 'c',
  json: jsonObject({
    id: 'c.id', name: 'c.name', contact_name: 'c.contact_name', contact_email: 'c.contact_email', website: 'c.website',
    notes: 'c.notes', project_count: '(SELECT count(*) FROM projects p WHERE p.tenant_id = c.tenant_id AND p.client_id = c.id)',
    created_at: 'iso(c.created_at)', updated_at: 'iso(c.updated_at)',
  }),
  sorts: { created_at: 'c.created_at', updated_at: 'c.updated_at', name: 'lower(c.name)' },
  filters: {
    search: contains(['name', 'contact_name', 'contact_email']),
    created_after: after('created_after', 'created_at'),
    created_before: before('created_before', 'created_at'),
  },
};

export async function countProjects(q: Queryable, tenantId: string, clientId: string): Promise<number> {
  const { rows } = await q.query<{ n: string }>(
    'SELECT count(*)::text AS n FROM projects WHERE tenant_id = $1 AND client_id = $2',
    [tenantId, clientId],
  );
  return Number(rows[0]!.n);
}
