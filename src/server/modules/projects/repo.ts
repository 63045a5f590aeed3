import { after, before, contains, equals, hasTags, oneOf, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';
import { PROJECT_STATUSES } from './schemas.js';
import { positionIn } from '../../lib/sql.js';

export const projects: ListSpec = {
  table: 'projects',
  alias: 'p',
  json: jsonObject({
    id: 'p.id', name: 'p.name', client_id: 'p.client_id', status: 'p.status', description: 'p.description', scope: 'p.scope',
    start_date: `to_char(p.start_date, 'YYYY-MM-DD')`, end_date: `to_char(p.end_date, 'YYYY-MM-DD')`, tags: 'to_json(p.tags)',
    finding_count: '(SELECT coalesce(sum(fc.n), 0)::int FROM finding_counts fc WHERE fc.tenant_id = p.tenant_id AND fc.project_id = p.id)',
    created_at: 'iso(p.created_at)', updated_at: 'iso(p.updated_at)',
  }),
  sorts: {
    created_at: 'p.created_at',
    updated_at: 'p.updated_at',
    name: 'lower(p.name)',
    start_date: 'p.start_date',
    end_date: 'p.end_date',
    status: positionIn(PROJECT_STATUSES, 'p.status'),
  },
  filters: {
    status: oneOf('status', 'status', PROJECT_STATUSES),
    client_id: equals('client_id'),
    tag: hasTags('tags'),
    search: contains(['name', 'description']),
    created_after: after('created_after', 'created_at'),
    created_before: before('created_before', 'created_at'),
  },
};

export const PROJECT_REFERENCES: Record<string, [string, string]> = {
  projects_tenant_id_client_id_fkey: ['client_id', 'Client not found'],
};
