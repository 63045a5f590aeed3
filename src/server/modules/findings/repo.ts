import type { Queryable } from '../../../db/driver.js';
import { after, before, equals, hasTags, oneOf, splitList, type Filter, type ListSpec } from '../../lib/list.js';
import { jsonObject, Params, positionIn } from '../../lib/sql.js';
import { FINDING_STATUSES, SEVERITIES } from '../../lib/severity.js';

// The GIN lookup goes through finding_search_ids (see 0001_init.sql): under RLS a plain `@@` here
// would scan every finding of the tenant. It runs once per statement, for the page and the total.
const fulltext: Filter = (value, p, a) => {
  p.with.push(`search_ids AS MATERIALIZED (SELECT finding_search_ids(websearch_to_tsquery('english', ${p.add(value)})) AS id)`);
  return `${a}.id IN (SELECT id FROM search_ids)`;
};
const affectsAsset: Filter = (value, p, a) =>
  `EXISTS (SELECT 1 FROM finding_assets fa WHERE fa.tenant_id = ${a}.tenant_id AND fa.finding_id = ${a}.id AND fa.asset_id = ${p.add(value)})`;

/** Filters the finding_counts table can answer exactly. */
const COUNTABLE = new Set(['severity', 'status', 'project_id']);

export const findings: ListSpec = {
  table: 'findings',
  alias: 'f',
  json: jsonObject({
    id: 'f.id', project_id: 'f.project_id', title: 'f.title', severity: 'f.severity', status: 'f.status',
    description: 'f.description', impact: 'f.impact', remediation: 'f.remediation', steps_to_reproduce: 'f.steps_to_reproduce',
    references: 'to_json(f."references")', cwe: 'f.cwe', cve: 'to_json(f.cve)', cvss_vector: 'f.cvss_vector',
    // float8 prints 10 where numeric(3,1) prints 10.0: the same number, written as JSON.stringify would.
    cvss_score: 'f.cvss_score::float8',
    // array_to_json, not json_agg, which writes `[a, b]`.
    asset_ids: `coalesce((SELECT array_to_json(array_agg(fa.asset_id ORDER BY fa.asset_id)) FROM finding_assets fa
                           WHERE fa.tenant_id = f.tenant_id AND fa.finding_id = f.id), '[]'::json)`,
    tags: 'to_json(f.tags)', created_at: 'iso(f.created_at)', updated_at: 'iso(f.updated_at)',
  }),
  sorts: {
    created_at: 'f.created_at',
    updated_at: 'f.updated_at',
    severity: 'f.severity_rank',
    cvss_score: 'f.cvss_score',
    title: 'lower(f.title)',
    status: positionIn(FINDING_STATUSES, 'f.status'),
  },
  filters: {
    severity: oneOf('severity', 'severity', SEVERITIES),
    status: oneOf('status', 'status', FINDING_STATUSES),
    project_id: equals('project_id'),
    asset_id: affectsAsset,
    cwe: equals('cwe'),
    tag: hasTags('tags'),
    created_after: after('created_after', 'created_at'),
    created_before: before('created_before', 'created_at'),
    updated_after: after('updated_after', 'updated_at'),
    search: fulltext,
  },
  fastCount(tenantParam, active, p, fixed) {
    const used = { ...active, ...fixed };
    // A search alone: count the lookup's ids, without joining each back to its row.
    const names = Object.keys(used);
    if (names.length === 1 && used.search) return 'SELECT count(*) FROM search_ids';
    if (!names.every((k) => COUNTABLE.has(k))) return null;
    const where = [`fc.tenant_id = ${tenantParam}`];
    if (used.severity) where.push(`fc.severity = ANY(${p.add(splitList(used.severity))})`);
    if (used.status) where.push(`fc.status = ANY(${p.add(splitList(used.status))})`);
    // A project from the path and one from the query may differ (then nothing matches): both apply.
    // Without one, the tenant-wide rows (project_id '*') hold the sum over all projects.
    const projectIds = [...new Set([active.project_id, fixed.project_id])].filter((id) => id);
    for (const projectId of projectIds.length > 0 ? projectIds : ['*']) where.push(`fc.project_id = ${p.add(projectId)}`);
    return `SELECT coalesce(sum(fc.n), 0) FROM finding_counts fc WHERE ${where.join(' AND ')}`;
  },
};

export const FINDING_REFERENCES: Record<string, [string, string]> = {
  findings_tenant_id_project_id_fkey: ['project_id', 'Project not found'],
};

/** Locks a finding for an update; its project and its `updated_at` as the API writes it. */
export async function lockFinding(q: Queryable, tenantId: string, findingId: string): Promise<{ project_id: string; updated_at: string } | undefined> {
  const { rows } = await q.query<{ project_id: string; updated_at: string }>(
    'SELECT project_id, iso(updated_at) AS updated_at FROM findings WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
    [tenantId, findingId],
  );
  return rows[0];
}

/**
 * Replaces a finding's asset links with `assetIds`, all of which must be assets of `projectId`.
 * Returns the ids that are not (nothing is changed then, the caller rolls back).
 */
export async function linkAssets(
  q: Queryable,
  tenantId: string,
  findingId: string,
  projectId: string,
  assetIds: string[],
): Promise<string[]> {
  await q.query('DELETE FROM finding_assets WHERE tenant_id = $1 AND finding_id = $2', [tenantId, findingId]);
  if (assetIds.length === 0) return [];
  const p = new Params();
  const { rows } = await q.query<{ asset_id: string }>(
    `INSERT INTO finding_assets (tenant_id, finding_id, asset_id)
       SELECT a.tenant_id, ${p.add(findingId)}, a.id FROM assets a
        WHERE a.tenant_id = ${p.add(tenantId)} AND a.project_id = ${p.add(projectId)} AND a.id = ANY(${p.add(assetIds)})
     RETURNING asset_id`,
    p.values,
  );
  const linked = new Set(rows.map((r) => r.asset_id));
  return assetIds.filter((id) => !linked.has(id));
}
