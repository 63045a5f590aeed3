import { after, before, contains, equals, hasTags, oneOf, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';
import { ASSET_TYPES } from './schemas.js';

export const assets: ListSpec = {
  table: 'assets',
  alias: 'a',
  json: jsonObject({
    id: 'a.id', project_id: 'a.project_id', name: 'a.name', type: 'a.type', description: 'a.description', tags: 'to_json(a.tags)',
    finding_count: '(SELECT count(*) FROM finding_assets fa WHERE fa.tenant_id = a.tenant_id AND fa.asset_id = a.id)',
    created_at: 'iso(a.created_at)', updated_at: 'iso(a.updated_at)',
  }),
  sorts: { created_at: 'a.created_at', updated_at: 'a.updated_at', name: 'lower(a.name)', type: 'a.type' },
  filters: {
    type: oneOf('type', 'type', ASSET_TYPES),
    project_id: equals('project_id'),
    tag: hasTags('tags'),
    search: contains(['name', 'description']),
    created_after: after('created_after', 'created_at'),
    created_before: before('created_before', 'created_at'),
  },
};

export const ASSET_REFERENCES: Record<string, [string, string]> = {
  assets_tenant_id_project_id_fkey: ['project_id', 'Project not found'],
};
