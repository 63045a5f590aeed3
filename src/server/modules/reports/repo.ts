import type { Queryable } from '../../../db/driver.js';
import { after, before, equals, oneOf, type ListSpec } from '../../lib/list.js';
import { jsonObject } from '../../lib/sql.js';
import { REPORT_FORMATS } from './render/model.js';

export const REPORT_STATUSES = ['queued', 'running', 'completed', 'failed'] as const;

export const reports: ListSpec = {
  table: 'reports',
  alias: 'r',
  json: jsonObject({
    id: 'r.id', project_id: 'r.project_id', format: 'r.format', template_id: 'r.template_id', template_name: 'r.template_name',
    title: 'r.title', version: 'r.version', classification: 'r.classification', include: 'r.include', status: 'r.status',
    progress: 'r.progress', error: 'r.error', size: 'r.size', sha256: 'r.sha256', filename: 'r.filename',
    created_by: jsonObject({
      type: 'r.created_by_type', id: 'r.created_by', name: `CASE r.created_by_type
        WHEN 'user' THEN (SELECT u.name FROM users u WHERE u.tenant_id = r.tenant_id AND u.id = r.created_by)
        WHEN 'service_account' THEN (SELECT s.name FROM service_accounts s WHERE s.tenant_id = r.tenant_id AND s.id = r.created_by)
        END`,
    }),
    created_at: 'iso(r.created_at)', started_at: 'iso(r.started_at)', completed_at: 'iso(r.completed_at)',
  }),
  sorts: { created_at: 'r.created_at', version: "string_to_array(r.version, '.')::int[]" },
  filters: {
    project_id: equals('project_id'),
    status: oneOf('status', 'status', REPORT_STATUSES),
    format: oneOf('format', 'format', REPORT_FORMATS),
    created_after: after('created_after', 'created_at'),
    created_before: before('created_before', 'created_at'),
  },
};

export const templates: ListSpec = {
  table: 'report_templates',
  alias: 't',
  json: jsonObject({
    id: 't.id', name: 't.name', description: 't.description', kind: 't.kind', filename: 't.filename', size: 't.size',
    sha256: 't.sha256', built_in: 'false', created_by: 't.created_by', created_at: 'iso(t.created_at)', updated_at: 'iso(t.updated_at)',
  }),
  sorts: { created_at: 't.created_at', name: 'lower(t.name)' },
  filters: { kind: oneOf('kind', 'kind', ['docx', 'typst', 'html', 'markdown']) },
};

export interface NewReport {
  id: string;
  projectId: string;
  format: string;
  templateId: string | null;
  templateName: string | null;
  title: string;
  version: string;
  classification: string | null;
  include: { severities: string[]; statuses: string[] };
  createdByType: 'user' | 'service_account' | 'system';
  createdBy: string | null;
}

export async function insertReport(q: Queryable, tenantId: string, r: NewReport): Promise<string> {
  const { rows } = await q.query<{ j: string }>(
    `INSERT INTO reports AS r (tenant_id, id, project_id, format, template_id, template_name, title, version, classification,
                               include, created_by_type, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     RETURNING (${reports.json})::text AS j`,
    [tenantId, r.id, r.projectId, r.format, r.templateId, r.templateName, r.title, r.version, r.classification,
      JSON.stringify(r.include), r.createdByType, r.createdBy],
  );
  return rows[0]!.j;
}

/** The versions and formats already used for a project, to pick the next version. */
export async function versionsOf(q: Queryable, tenantId: string, projectId: string): Promise<{ version: string; format: string }[]> {
  const { rows } = await q.query<{ version: string; format: string }>(
    'SELECT version, format FROM reports WHERE tenant_id = $1 AND project_id = $2', [tenantId, projectId]);
  return rows;
}

export interface ProjectHead {
  id: string;
  name: string;
  status: string;
  description: string | null;
  scope: string | null;
  start_date: string | null;
  end_date: string | null;
  tags: string[];
  client_id: string | null;
}

export async function projectHead(q: Queryable, tenantId: string, projectId: string): Promise<ProjectHead | undefined> {
  const { rows } = await q.query<ProjectHead>(
    `SELECT id, name, status, description, scope, to_char(start_date, 'YYYY-MM-DD') AS start_date,
            to_char(end_date, 'YYYY-MM-DD') AS end_date, tags, client_id
       FROM projects WHERE tenant_id = $1 AND id = $2`,
    [tenantId, projectId],
  );
  return rows[0];
}

export interface TemplateRow {
  id: string;
  name: string;
  kind: string;
  content: Buffer;
}

export async function templateContent(q: Queryable, tenantId: string, id: string): Promise<TemplateRow | undefined> {
  const { rows } = await q.query<TemplateRow>(
    'SELECT id, name, kind, content FROM report_templates WHERE tenant_id = $1 AND id = $2',
    [tenantId, id],
  );
  const row = rows[0];
  return row && { ...row, content: Buffer.from(row.content) };
}

export interface JobRow {
  id: string;
  project_id: string;
  format: string;
  template_id: string | null;
  template_name: string | null;
  title: string;
  version: string;
  classification: string | null;
  include: { severities: string[]; statuses: string[] };
  created_by_type: string;
  created_by: string | null;
  created_at: string;
}

/** A job this worker holds the lease of. */
export async function leasedJob(q: Queryable, tenantId: string, id: string, owner: string): Promise<JobRow | undefined> {
  const { rows } = await q.query<JobRow>(
    `SELECT id, project_id, format, template_id, template_name, title, version, classification, include,
            created_by_type, created_by, iso(created_at) AS created_at
       FROM reports WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND lease_owner = $3`,
    [tenantId, id, owner],
  );
  return rows[0];
}

/** Progress, and a longer lease: the worker is alive. False when the job is gone or no longer ours. */
export async function touchJob(q: Queryable, tenantId: string, id: string, owner: string, progress: number, leaseMs: number): Promise<boolean> {
  const { rows } = await q.query(
    `UPDATE reports SET progress = greatest(progress, $4), lease_until = clock_timestamp() + make_interval(secs => $5 / 1000.0)
      WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND lease_owner = $3 RETURNING 1`,
    [tenantId, id, owner, progress, leaseMs],
  );
  return rows.length > 0;
}

/** Stores the file and completes the job; returns the report's JSON, or undefined if it is no longer ours. */
export async function completeJob(
  q: Queryable, tenantId: string, id: string, owner: string, file: { content: Buffer; sha256: string; filename: string },
): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `UPDATE reports AS r SET status = 'completed', progress = 100, size = $4, sha256 = $5, filename = $6, error = NULL,
            completed_at = now(), updated_at = now(), lease_owner = NULL, lease_until = NULL
      WHERE r.tenant_id = $1 AND r.id = $2 AND r.status = 'running' AND r.lease_owner = $3
     RETURNING (${reports.json})::text AS j`,
    [tenantId, id, owner, file.content.length, file.sha256, file.filename],
  );
  if (!rows[0]) return undefined;
  await q.query('INSERT INTO report_files (tenant_id, report_id, content) VALUES ($1, $2, $3)', [tenantId, id, file.content]);
  return rows[0].j;
}

export async function failJob(q: Queryable, tenantId: string, id: string, owner: string, error: string): Promise<string | undefined> {
  const { rows } = await q.query<{ j: string }>(
    `UPDATE reports AS r SET status = 'failed', error = $4, completed_at = now(), updated_at = now(), lease_owner = NULL, lease_until = NULL
      WHERE r.tenant_id = $1 AND r.id = $2 AND r.status = 'running' AND r.lease_owner = $3
     RETURNING (${reports.json})::text AS j`,
    [tenantId, id, owner, error.slice(0, 2000)],
  );
  return rows[0]?.j;
}

/** Hands a job back to the queue at shutdown: that take does not count as an attempt. */
export async function releaseJob(q: Queryable, tenantId: string, id: string, owner: string): Promise<void> {
  await q.query(
    `UPDATE reports SET status = 'queued', progress = 0, lease_owner = NULL, lease_until = NULL, attempts = greatest(attempts - 1, 0), updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND lease_owner = $3`,
    [tenantId, id, owner],
  );
}

/** Queues a job again after its render process died; the attempt counts (report_claim gives up after a few). */
export async function releaseJobForRetry(q: Queryable, tenantId: string, id: string, owner: string): Promise<void> {
  await q.query(
    `UPDATE reports SET status = 'queued', progress = 0, lease_owner = NULL, lease_until = NULL, updated_at = now()
      WHERE tenant_id = $1 AND id = $2 AND status = 'running' AND lease_owner = $3`,
    [tenantId, id, owner],
  );
}

export async function reportFile(q: Queryable, tenantId: string, id: string): Promise<{ status: string; format: string; filename: string | null; sha256: string | null; content: Buffer | null } | undefined> {
  const { rows } = await q.query<{ status: string; format: string; filename: string | null; sha256: string | null; content: Buffer | null }>(
    `SELECT r.status, r.format, r.filename, r.sha256, f.content FROM reports r
       LEFT JOIN report_files f ON f.tenant_id = r.tenant_id AND f.report_id = r.id
      WHERE r.tenant_id = $1 AND r.id = $2`,
    [tenantId, id],
  );
  const row = rows[0];
  return row && { ...row, content: row.content === null ? null : Buffer.from(row.content) };
}

export interface Branding {
  company_name: string | null;
  accent_color: string | null;
  default_classification: string | null;
  footer_text: string | null;
  logo: Buffer | null;
  logo_type: 'png' | 'svg' | null;
  tagged_pdf: boolean;
  updated_at: string | null;
}

export async function branding(q: Queryable, tenantId: string): Promise<Branding> {
  const { rows } = await q.query<Branding>(
    `SELECT company_name, accent_color, default_classification, footer_text, logo, logo_type, tagged_pdf, iso(updated_at) AS updated_at
       FROM report_settings WHERE tenant_id = $1`,
    [tenantId],
  );
  const row = rows[0];
  if (!row) return { company_name: null, accent_color: null, default_classification: null, footer_text: null, logo: null, logo_type: null, tagged_pdf: false, updated_at: null };
  return { ...row, logo: row.logo === null ? null : Buffer.from(row.logo) };
}

export async function saveBranding(q: Queryable, tenantId: string, b: Omit<Branding, 'updated_at'>): Promise<void> {
  await q.query(
    `INSERT INTO report_settings (tenant_id, company_name, accent_color, default_classification, footer_text, logo, logo_type, tagged_pdf)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant_id) DO UPDATE SET company_name = $2, accent_color = $3, default_classification = $4,
       footer_text = $5, logo = $6, logo_type = $7, tagged_pdf = $8, updated_at = now()`,
    [tenantId, b.company_name, b.accent_color, b.default_classification, b.footer_text, b.logo, b.logo_type, b.tagged_pdf],
  );
}
