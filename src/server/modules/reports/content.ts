import type { Queryable } from '../../../db/driver.js';
import { FINDING_STATUSES, SEVERITIES, type FindingStatus, type Severity } from '../../lib/severity.js';
import { MODEL_SCHEMA, type RenderAssets, type ReportFinding, type ReportFormat, type ReportModel } from './render/model.js';
import * as repo from './repo.js';

/** The accent colour of the built-in design when a tenant sets none. */
export const DEFAULT_ACCENT = '#0f766e';

/**
 * Builds the content model of one report from the database, in the job's tenant: the project and
 * its client, the included findings in severity order (then CVSS, then title), the assets, the
 * tenant's branding and the project's earlier report versions.
 */
export async function buildModel(q: Queryable, tenantId: string, job: repo.JobRow): Promise<{ model: ReportModel; assets: RenderAssets }> {
  const project = (await repo.projectHead(q, tenantId, job.project_id))!;
  const clientRows = project.client_id
    ? (await q.query<NonNullable<ReportModel['client']>>(
        'SELECT id, name, contact_name, contact_email, website FROM clients WHERE tenant_id = $1 AND id = $2',
        [tenantId, project.client_id],
      )).rows
    : [];
  const { rows: findingRows } = await q.query<Omit<ReportFinding, 'ref' | 'assets'> & { cvss_score: string | null }>(
    `SELECT f.id, f.title, f.severity, f.status, f.cvss_vector, f.cvss_score, f.cwe, f.cve, f.description, f.impact,
            f.steps_to_reproduce, f.remediation, f."references", f.tags, iso(f.created_at) AS created_at, iso(f.updated_at) AS updated_at
       FROM findings f
      WHERE f.tenant_id = $1 AND f.project_id = $2 AND f.severity = ANY($3) AND f.status = ANY($4)
      ORDER BY f.severity_rank DESC, f.cvss_score DESC NULLS LAST, lower(f.title), f.id`,
    [tenantId, job.project_id, job.include.severities, job.include.statuses],
  );
  const { rows: links } = await q.query<{ finding_id: string; id: string; name: string; type: string }>(
    `SELECT fa.finding_id, a.id, a.name, a.type FROM finding_assets fa
       JOIN assets a ON a.tenant_id = fa.tenant_id AND a.id = fa.asset_id
      WHERE fa.tenant_id = $1 AND a.project_id = $2
      ORDER BY lower(a.name), a.id`,
    [tenantId, job.project_id],
  );
  const { rows: assetRows } = await q.query<{ id: string; name: string; type: string; description: string | null }>(
    'SELECT id, name, type, description FROM assets WHERE tenant_id = $1 AND project_id = $2 ORDER BY lower(name), id',
    [tenantId, job.project_id],
  );
  const { rows: history } = await q.query<{ version: string; date: string; author: string | null; format: ReportFormat; title: string }>(
    `SELECT r.version, to_char(coalesce(r.completed_at, r.created_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS date,
            coalesce((SELECT u.name FROM users u WHERE u.tenant_id = r.tenant_id AND u.id = r.created_by),
                     (SELECT s.name FROM service_accounts s WHERE s.tenant_id = r.tenant_id AND s.id = r.created_by)) AS author,
            r.format, r.title
       FROM reports r
      WHERE r.tenant_id = $1 AND r.project_id = $2 AND (r.status = 'completed' OR r.id = $3)
      ORDER BY (r.id = $3), r.created_at, r.id`,
    [tenantId, job.project_id, job.id],
  );
  const { rows: authorRows } = await q.query<{ name: string; email: string | null }>(
    job.created_by_type === 'user'
      ? 'SELECT name, email FROM users WHERE tenant_id = $1 AND id = $2'
      : 'SELECT name, NULL::text AS email FROM service_accounts WHERE tenant_id = $1 AND id = $2',
    [tenantId, job.created_by],
  );
  const brand = await repo.branding(q, tenantId);

  const linked = new Map<string, { id: string; name: string; type: string }[]>();
  for (const l of links) {
    const list = linked.get(l.finding_id) ?? [];
    list.push({ id: l.id, name: l.name, type: l.type });
    linked.set(l.finding_id, list);
  }
  const width = findingRows.length >= 100 ? 3 : 2;
  const findings: ReportFinding[] = findingRows.map((f, i) => ({
    ...f,
    ref: `F-${String(i + 1).padStart(width, '0')}`,
    cvss_score: f.cvss_score === null ? null : Number(f.cvss_score),
    assets: linked.get(f.id) ?? [],
  }));
  const included = new Set(findings.map((f) => f.id));
  const findingCount = new Map<string, number>();
  for (const l of links) if (included.has(l.finding_id)) findingCount.set(l.id, (findingCount.get(l.id) ?? 0) + 1);

  const count = <T extends string>(values: readonly T[], key: (f: ReportFinding) => string) =>
    Object.fromEntries(values.map((v) => [v, findings.filter((f) => key(f) === v).length])) as Record<T, number>;

  const model: ReportModel = {
    schema: MODEL_SCHEMA,
    report: {
      id: job.id,
      title: job.title,
      version: job.version,
      classification: job.classification,
      format: job.format as ReportFormat,
      generated_at: new Date().toISOString(),
      author: authorRows[0] ?? null,
      template: job.template_id ? { id: job.template_id, name: job.template_name ?? '', kind: '' } : null,
    },
    branding: {
      company_name: brand.company_name,
      accent_color: brand.accent_color ?? DEFAULT_ACCENT,
      footer_text: brand.footer_text,
      has_logo: brand.logo !== null,
      tagged_pdf: brand.tagged_pdf,
    },
    client: clientRows[0] ?? null,
    project: {
      id: project.id, name: project.name, status: project.status, description: project.description, scope: project.scope,
      start_date: project.start_date, end_date: project.end_date, tags: project.tags,
    },
    document_control: history,
    include: {
      severities: SEVERITIES.filter((s) => job.include.severities.includes(s)) as Severity[],
      statuses: FINDING_STATUSES.filter((s) => job.include.statuses.includes(s)) as FindingStatus[],
    },
    summary: { total: findings.length, by_severity: count(SEVERITIES, (f) => f.severity), by_status: count(FINDING_STATUSES, (f) => f.status) },
    assets: assetRows.map((a) => ({ ...a, finding_count: findingCount.get(a.id) ?? 0 })),
    findings,
  };
  const assets: RenderAssets = brand.logo && brand.logo_type ? { logo: { type: brand.logo_type, data: brand.logo } } : {};
  return { model, assets };
}
