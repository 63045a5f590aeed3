import * as z from 'zod';
import type { FastifyBaseLogger } from 'fastify';
import type { CallToolResult, McpServer, ToolAnnotations } from '@modelcontextprotocol/server';
import { FINDING_STATUSES, SEVERITIES } from '../../lib/severity.js';
import { MAX_LIMIT } from '../../lib/list.js';
import type { Database } from '../../../db/driver.js';
import { FINDING_SORTS } from '../findings/schemas.js';
import { PROJECT_SORTS, PROJECT_STATUSES } from '../projects/schemas.js';
import { CLIENT_SORTS } from '../clients/schemas.js';
import { ASSET_SORTS, ASSET_TYPES } from '../assets/schemas.js';
import { REPORT_FORMATS } from '../reports/render/model.js';
import type { RestCall } from './rest.js';
import { data, json, json500, page, restError } from './results.js';
import { countFindings } from './repo.js';

const id = (what: string) => z.string().min(1).max(64).describe(`The ${what}'s id`);
const list = (what: string) => `One or more of ${what.replace(/,/g, ', ')} (comma-separated)`;
const date = (what: string) => z.string().optional().describe(`${what} (ISO 8601 date or date-time)`);
const text = (description: string) => z.string().nullable().optional().describe(description);

/** Paging and sorting, as every REST list takes them. */
function paging(sorts: readonly [string, ...string[]]) {
  return {
    page: z.number().int().min(1).optional().describe('Page number, from 1 (default 1)'),
    limit: z.number().int().min(1).max(MAX_LIMIT).optional().describe(`Items per page, 1–${MAX_LIMIT} (default 50)`),
    sort: z.enum(sorts).optional().describe(`Sort field (default ${sorts[0]})`),
    order: z.enum(['asc', 'desc']).optional().describe('Sort order (default desc)'),
  };
}

const findingFields = {
  severity: z.enum(SEVERITIES).optional(),
  status: z.enum(FINDING_STATUSES).optional(),
  description: text('What the vulnerability is (Markdown)'),
  impact: text('What an attacker gains (Markdown)'),
  remediation: text('How to fix it (Markdown)'),
  steps_to_reproduce: text('How to reproduce it (Markdown)'),
  references: z.array(z.string()).optional().describe('http(s) URLs'),
  cwe: z.string().nullable().optional().describe('e.g. CWE-89'),
  cve: z.array(z.string()).optional().describe('e.g. ["CVE-2024-12345"]'),
  cvss_vector: z.string().nullable().optional().describe('A CVSS 3.1 or 4.0 vector; the server computes cvss_score from it'),
  asset_ids: z.array(z.string()).optional().describe('Ids of affected assets of the same project (see list_assets)'),
  tags: z.array(z.string()).optional(),
};

const readOnly = { readOnlyHint: true, openWorldHint: false } as const;

/** What a tool's handler acts with: the caller's REST client, and for the summary the database. */
interface ToolEnv {
  rest: RestCall;
  deps: { db: Database; tenantId: string; log: FastifyBaseLogger };
}

interface ToolDefinition {
  name: string;
  config: { title: string; description: string; inputSchema: z.ZodObject; annotations: ToolAnnotations };
  handler: (args: Record<string, unknown>, env: ToolEnv) => Promise<CallToolResult>;
}

/** The tool definitions, built once: a request's server only binds them to its caller. */
const TOOLS: ToolDefinition[] = [];
function tool<S extends z.ZodObject>(
  name: string,
  config: { title: string; description: string; inputSchema: S; annotations: ToolAnnotations },
  handler: (args: z.infer<S>, env: ToolEnv) => Promise<CallToolResult>,
) {
  // The SDK has validated the arguments against inputSchema before the handler runs.
  TOOLS.push({ name, config, handler: handler as ToolDefinition['handler'] });
}

tool('search_findings', {
  title: 'Search findings',
  description:
    'Search and list vulnerability findings across all projects (or one project), newest first by default. ' +
    'Combine filters freely; `search` is full-text over title, description, impact and remediation. ' +
    'Returns {findings: [...], pagination: {page, limit, total, pages}}; ask for the next page to see more.',
  inputSchema: z.object({
    search: z.string().optional().describe('Full-text search words, e.g. "sql injection login"'),
    severity: z.string().optional().describe(list(SEVERITIES.join())),
    status: z.string().optional().describe(list(FINDING_STATUSES.join())),
    project_id: z.string().optional().describe('Only findings of this project'),
    asset_id: z.string().optional().describe('Only findings affecting this asset'),
    cwe: z.string().optional().describe('e.g. CWE-89'),
    tag: z.string().optional().describe('Only findings carrying all these tags (comma-separated)'),
    created_after: date('Created at or after'),
    created_before: date('Created before'),
    updated_after: date('Updated at or after'),
    ...paging(FINDING_SORTS),
    after: z.string().min(1).max(64).optional()
      .describe('Id of the last finding of the previous page: the page after it, in the same order (faster than a deep page; not with page > 1)'),
  }),
  annotations: readOnly,
}, async (query, { rest }) => {
  const answer = await rest('GET', '/findings', { query });
  return answer.ok ? page(answer, 'findings') : restError(answer);
});

tool('get_finding', {
  title: 'Get a finding',
  description: 'One finding with every field, and (unless include_history is false) its change history, newest first: who changed which field from what to what.',
  inputSchema: z.object({ id: id('finding'), include_history: z.boolean().optional().describe('Default true') }),
  annotations: readOnly,
}, async ({ id: findingId, include_history }, { rest }) => {
  const path = `/findings/${encodeURIComponent(findingId)}`;
  const finding = await rest('GET', path);
  if (!finding.ok || include_history === false) return data(finding);
  const history = await rest('GET', `${path}/history`, { query: { limit: MAX_LIMIT } });
  if (!history.ok) return restError(history);
  return json({ finding: finding.data, history: history.data, history_pagination: history.meta });
});

tool('create_finding', {
  title: 'Create a finding',
  description: 'Add a finding to a project. Only project_id and title are required; severity defaults to the server default and status to Open. Returns the new finding.',
  inputSchema: z.object({ project_id: id('project'), title: z.string().min(1).max(500), ...findingFields }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
}, async (body, { rest }) => data(await rest('POST', '/findings', { body })));

tool('update_finding', {
  title: 'Update a finding',
  description:
    'Change some fields of a finding (only the fields sent change; send null to clear a text field). ' +
    "Pass if_match with the finding's updated_at as you read it to be refused (CONFLICT) if someone changed it meanwhile.",
  inputSchema: z.object({
    id: id('finding'),
    if_match: z.string().optional().describe("The finding's updated_at as last read (optimistic concurrency)"),
    title: z.string().min(1).max(500).optional(),
    ...findingFields,
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
}, async ({ id: findingId, if_match, ...body }, { rest }) =>
  data(await rest('PUT', `/findings/${encodeURIComponent(findingId)}`, { body, headers: { 'if-match': if_match } })));

tool('list_projects', {
  title: 'List projects',
  description: 'List penetration-test projects (engagements), with their client, dates, status and finding_count. Returns {projects, pagination}.',
  inputSchema: z.object({
    search: z.string().optional().describe('Case-insensitive match on name or description'),
    status: z.string().optional().describe(list(PROJECT_STATUSES.join())),
    client_id: z.string().optional().describe('Only projects of this client'),
    tag: z.string().optional().describe('Only projects carrying all these tags (comma-separated)'),
    created_after: date('Created at or after'),
    created_before: date('Created before'),
    ...paging(PROJECT_SORTS),
  }),
  annotations: readOnly,
}, async (query, { rest }) => {
  const answer = await rest('GET', '/projects', { query });
  return answer.ok ? page(answer, 'projects') : restError(answer);
});

tool('get_project', {
  title: 'Get a project',
  description: 'One project with every field.',
  inputSchema: z.object({ id: id('project') }),
  annotations: readOnly,
}, async ({ id: projectId }, { rest }) => data(await rest('GET', `/projects/${encodeURIComponent(projectId)}`)));

tool('project_summary', {
  title: 'Summarize a project',
  description: "A project and its findings counted by severity, by status, and by both (needs read access to projects and findings).",
  inputSchema: z.object({ project_id: id('project') }),
  annotations: readOnly,
}, async ({ project_id }, { rest, deps }) => {
  const path = `/projects/${encodeURIComponent(project_id)}`;
  const project = await rest('GET', path);
  if (!project.ok) return restError(project);
  // The project's findings list checks findings:read (and the role) exactly as the REST API does.
  const allowed = await rest('GET', `${path}/findings`, { query: { limit: 1 } });
  if (!allowed.ok) return restError(allowed);
  let rows;
  try {
    rows = await deps.db.tenant(deps.tenantId, (q) => countFindings(q, deps.tenantId, project_id));
  } catch (err) {
    deps.log.error({ err }, 'project_summary could not count findings');
    return json500();
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  const byStatus = Object.fromEntries(FINDING_STATUSES.map((s) => [s, 0]));
  const matrix: Record<string, Record<string, number>> = {};
  for (const r of rows) {
    bySeverity[r.severity] = (bySeverity[r.severity] ?? 0) + r.n;
    byStatus[r.status] = (byStatus[r.status] ?? 0) + r.n;
    (matrix[r.severity] ??= {})[r.status] = r.n;
  }
  const total = rows.reduce((sum, r) => sum + r.n, 0);
  return json({ project: project.data, findings: { total, by_severity: bySeverity, by_status: byStatus, by_severity_and_status: matrix } });
});

tool('list_clients', {
  title: 'List clients',
  description: 'List the clients (customers) projects are done for. Returns {clients, pagination}.',
  inputSchema: z.object({
    search: z.string().optional().describe('Case-insensitive match on name, contact name or email'),
    created_after: date('Created at or after'),
    created_before: date('Created before'),
    ...paging(CLIENT_SORTS),
  }),
  annotations: readOnly,
}, async (query, { rest }) => {
  const answer = await rest('GET', '/clients', { query });
  return answer.ok ? page(answer, 'clients') : restError(answer);
});

tool('get_client', {
  title: 'Get a client',
  description: 'One client with every field.',
  inputSchema: z.object({ id: id('client') }),
  annotations: readOnly,
}, async ({ id: clientId }, { rest }) => data(await rest('GET', `/clients/${encodeURIComponent(clientId)}`)));

tool('list_assets', {
  title: 'List assets',
  description: 'List the assets (hosts, IPs, domains, URLs, applications …) in scope of projects; findings reference them by id. Returns {assets, pagination}.',
  inputSchema: z.object({
    project_id: z.string().optional().describe('Only assets of this project'),
    type: z.string().optional().describe(list(ASSET_TYPES.join())),
    search: z.string().optional().describe('Case-insensitive match on name or description'),
    tag: z.string().optional().describe('Only assets carrying all these tags (comma-separated)'),
    created_after: date('Created at or after'),
    created_before: date('Created before'),
    ...paging(ASSET_SORTS),
  }),
  annotations: readOnly,
}, async (query, { rest }) => {
  const answer = await rest('GET', '/assets', { query });
  return answer.ok ? page(answer, 'assets') : restError(answer);
});

tool('generate_report', {
  title: 'Generate a report',
  description:
    "Start rendering a project's report in the background. Returns the report with status queued; " +
    'poll get_report with its id until status is completed (then it has size and sha256) or failed.',
  inputSchema: z.object({
    project_id: id('project'),
    format: z.enum(REPORT_FORMATS),
    title: z.string().min(1).max(300).optional().describe('Default: "Penetration Test Report"'),
    version: z.string().optional().describe('e.g. 1.0; default: the next version for the project'),
    classification: z.string().nullable().optional().describe("e.g. Confidential; default: the tenant's"),
    template_id: z.string().nullable().optional().describe("A report template; default: the project's, else the client's, else the built-in design"),
    include: z.object({
      severities: z.array(z.enum(SEVERITIES)).optional().describe('Default: all'),
      statuses: z.array(z.enum(FINDING_STATUSES)).optional().describe('Default: all but False Positive'),
    }).optional().describe('Which findings the report covers'),
  }),
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
}, async (body, { rest }) => data(await rest('POST', '/reports', { body })));

tool('get_report', {
  title: 'Get a report',
  description: "A report's status (queued, rendering, completed, failed), progress and, once completed, its size and sha256.",
  inputSchema: z.object({ id: id('report') }),
  annotations: readOnly,
}, async ({ id: reportId }, { rest }) => data(await rest('GET', `/reports/${encodeURIComponent(reportId)}`)));

/**
 * The tools, each a call of the REST route it mirrors with the caller's own credential: the
 * route's scope, role, tenant, validation and errors apply unchanged.
 */
export function registerTools(server: McpServer, rest: RestCall, deps: ToolEnv['deps']) {
  const env = { rest, deps };
  for (const t of TOOLS) server.registerTool(t.name, t.config, (args: Record<string, unknown>) => t.handler(args, env));
}
