import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Database } from '../../../db/driver.js';
import type { ReportConfig } from '../../config.js';
import type { Caller } from '../../lib/caller.js';
import { actorOf, recordEvent } from '../../lib/events.js';
import { AppError, ConflictError, ForbiddenError, ValidationError, fieldError, found } from '../../lib/errors.js';
import { newId } from '../../lib/ids.js';
import { listRows, type ListPage, type ListQuery } from '../../lib/list.js';
import { mustExist } from '../../lib/crud.js';
import { FINDING_STATUSES, SEVERITIES } from '../../lib/severity.js';
import { DEFAULT_ACCENT } from './content.js';
import type { RenderPool } from './render-pool.js';
import { sampleModel } from './render/sample.js';
import { TEMPLATE_FORMAT, TemplateError, type ReportFormat, type TemplateKind } from './render/model.js';
import * as repo from './repo.js';
import { checkSelfContainedSvg } from './render/svg-check.js';

const TEMPLATES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'templates');

/** The built-in designs, listed beside a tenant's templates; downloading one gives its starting point. */
const BUILT_INS: { id: string; kind: TemplateKind; name: string; file: string; description: string }[] = [
  { id: 'builtin-typst', kind: 'typst', name: 'Built-in design (PDF)', file: 'example.typ', description: 'The built-in PDF design; download the example to start a Typst template of your own.' },
  { id: 'builtin-docx', kind: 'docx', name: 'Built-in design (DOCX)', file: 'example.docx', description: 'The built-in Word design; download an example docxtemplater template to start your own.' },
  { id: 'builtin-html', kind: 'html', name: 'Built-in design (HTML)', file: 'example.html.liquid', description: 'The built-in HTML design; download an example Liquid template to start your own.' },
  { id: 'builtin-markdown', kind: 'markdown', name: 'Built-in design (Markdown)', file: 'example.md.liquid', description: 'The built-in Markdown design; download an example Liquid template to start your own.' },
];

/** A built-in's starting point: a file beside the code, or the DOCX example built from its code. */
async function builtInFile(b: (typeof BUILT_INS)[number]): Promise<Buffer> {
  if (b.kind === 'docx') return (await import('./templates/example-docx.js')).exampleDocx();
  return fs.readFileSync(path.join(TEMPLATES_DIR, b.file));
}

async function builtInJson(b: (typeof BUILT_INS)[number]) {
  const content = await builtInFile(b);
  return {
    id: b.id, name: b.name, description: b.description, kind: b.kind, filename: b.file, size: content.length,
    sha256: createHash('sha256').update(content).digest('hex'), built_in: true, created_by: null, created_at: null, updated_at: null,
  };
}

/**
 * The version a new report gets by default: "1.0" for a project's first, the latest version again
 * when it has no report of this format yet (the PDF and the DOCX of one delivery), else one more
 * than the latest (1.0 → 1.1): generating a format again makes a new version.
 */
export function nextVersion(used: { version: string; format: string }[], format: string): string {
  const key = (v: string) => v.split('.').map(Number);
  const cmp = (a: number[], b: number[]) => (a[0]! - b[0]!) || ((a[1] ?? 0) - (b[1] ?? 0)) || ((a[2] ?? 0) - (b[2] ?? 0));
  const versions = [...new Set(used.map((u) => u.version))].filter((v) => key(v).every(Number.isFinite)).sort((a, b) => cmp(key(a), key(b)));
  const latest = versions[versions.length - 1];
  if (latest === undefined) return '1.0';
  if (!used.some((u) => u.version === latest && u.format === format)) return latest;
  const [major, minor] = key(latest);
  return `${major}.${(minor ?? 0) + 1}`;
}

export interface ReportInput {
  project_id: string;
  format: ReportFormat;
  template_id?: string | null;
  title?: string;
  version?: string;
  classification?: string | null;
  include?: { severities?: string[]; statuses?: string[] };
}

export interface TemplateInput {
  name: string;
  kind: TemplateKind;
  description?: string | null;
  filename?: string;
  content?: string;
  content_base64?: string;
}

const EXT: Record<TemplateKind, string> = { docx: 'docx', typst: 'typ', html: 'html', markdown: 'md' };
const blank = (s: string | null | undefined) => s === undefined || s === null || s.trim() === '';

export type ReportService = ReturnType<typeof createReportService>;

export function createReportService(deps: { db: Database; config: ReportConfig; pool: RenderPool; wake: () => void }) {
  const { db, config, pool, wake } = deps;

  /** The template a report uses: the one named, else the project's or client's default of the format's kind. */
  async function chooseTemplate(q: Parameters<Parameters<Database['tenant']>[1]>[0], caller: Caller, input: ReportInput, clientId: string | null) {
    if (input.template_id) {
      if (BUILT_INS.some((b) => b.id === input.template_id)) return null;
      const t = await repo.templateContent(q, caller.tenantId, input.template_id);
      if (!t) throw fieldError('template_id', 'is not a report template of this tenant');
      if (TEMPLATE_FORMAT[t.kind as TemplateKind] !== input.format) {
        throw fieldError('template_id', `is a ${t.kind} template, which makes ${TEMPLATE_FORMAT[t.kind as TemplateKind]} reports, not ${input.format}`);
      }
      return { id: t.id, name: t.name };
    }
    if (input.template_id === null) return null;
    const { rows } = await q.query<{ id: string; name: string; kind: TemplateKind }>(
      `SELECT t.id, t.name, t.kind FROM report_templates t
        WHERE t.tenant_id = $1 AND t.id IN (
          (SELECT report_template_id FROM projects WHERE tenant_id = $1 AND id = $2),
          (SELECT report_template_id FROM clients WHERE tenant_id = $1 AND id = $3))
        ORDER BY t.id = (SELECT report_template_id FROM projects WHERE tenant_id = $1 AND id = $2) DESC NULLS LAST`,
      [caller.tenantId, input.project_id, clientId],
    );
    const t = rows.find((r) => TEMPLATE_FORMAT[r.kind] === input.format);
    return t ? { id: t.id, name: t.name } : null;
  }

  /** Renders a template against the sample engagement, so a broken one is refused at upload with its line. */
  async function checkTemplate(kind: TemplateKind, content: Buffer) {
    try {
      await pool.render(TEMPLATE_FORMAT[kind], { model: sampleModel({ findings: 5, format: TEMPLATE_FORMAT[kind] }), assets: {}, template: { kind, content } }, {
        timeoutMs: Math.min(config.timeoutMs, 60_000), onProgress: () => undefined,
      });
    } catch (err) {
      if (err instanceof TemplateError) throw fieldError('content', err.message);
      throw new AppError(400, 'VALIDATION_ERROR', `The template could not be checked: ${(err as Error).message}`, [{ field: 'content', message: 'could not be rendered' }]);
    }
  }

  return {
    async create(caller: Caller, input: ReportInput): Promise<string> {
      const actor = actorOf(caller);
      const json = await db.tenantTx(caller.tenantId, async (q) => {
        const project = await repo.projectHead(q, caller.tenantId, input.project_id);
        if (!project) throw fieldError('project_id', 'Project not found');
        const template = await chooseTemplate(q, caller, input, project.client_id);
        const brand = await repo.branding(q, caller.tenantId);
        const version = input.version ?? nextVersion(await repo.versionsOf(q, caller.tenantId, input.project_id), input.format);
        const include = {
          severities: SEVERITIES.filter((s) => (input.include?.severities ?? SEVERITIES).includes(s)),
          statuses: FINDING_STATUSES.filter((s) => (input.include?.statuses ?? FINDING_STATUSES.filter((x) => x !== 'False Positive')).includes(s)),
        };
        if (input.title !== undefined && blank(input.title)) throw fieldError('title', 'must not be blank');
        try {
          return await repo.insertReport(q, caller.tenantId, {
            id: newId('rep'), projectId: input.project_id, format: input.format, templateId: template?.id ?? null,
            templateName: template?.name ?? null, title: input.title?.trim() ?? 'Penetration Test Report', version,
            classification: input.classification === undefined ? (brand.default_classification ?? 'Confidential') : input.classification,
            include, createdByType: actor.type === 'anonymous' ? 'system' : actor.type, createdBy: actor.id,
          });
        } catch (err) {
          if ((err as { code?: string }).code === '23505') {
            throw new ConflictError(`Version ${version} of this project already has a ${input.format} report; generating again makes a new version`, [
              { field: 'version', message: 'is already used for this format' },
            ]);
          }
          throw err;
        }
      });
      wake();
      return json;
    },

    list: (caller: Caller, query: ListQuery): Promise<ListPage> =>
      db.tenant(caller.tenantId, (q) => listRows(q, repo.reports, caller.tenantId, query)),

    listOfProject: (caller: Caller, projectId: string, query: ListQuery): Promise<ListPage> =>
      db.tenant(caller.tenantId, async (q) => {
        await mustExist(q, 'projects', caller.tenantId, projectId, 'Project');
        return listRows(q, repo.reports, caller.tenantId, query, { project_id: projectId });
      }),

    async get(caller: Caller, id: string): Promise<string> {
      const { rows } = await db.tenant(caller.tenantId, (q) =>
        q.query<{ j: string }>(`SELECT (${repo.reports.json})::text AS j FROM reports r WHERE r.tenant_id = $1 AND r.id = $2`, [caller.tenantId, id]));
      return found(rows[0]?.j, 'Report');
    },

    async download(caller: Caller, id: string) {
      const file = found(await db.tenant(caller.tenantId, (q) => repo.reportFile(q, caller.tenantId, id)), 'Report');
      if (file.status !== 'completed' || !file.content) {
        throw new ConflictError(file.status === 'failed' ? 'This report failed; see its error and generate it again' : `This report is ${file.status}; download it when it is completed`);
      }
      return { content: file.content, format: file.format as ReportFormat, filename: file.filename ?? `report.${file.format}`, sha256: file.sha256! };
    },

    async remove(caller: Caller, id: string): Promise<void> {
      await db.tenantTx(caller.tenantId, async (q) => {
        const { rows } = await q.query<{ j: string }>(
          `DELETE FROM reports r WHERE r.tenant_id = $1 AND r.id = $2 RETURNING (${repo.reports.json})::text AS j`, [caller.tenantId, id]);
        const json = found(rows[0]?.j, 'Report');
        const report = JSON.parse(json) as { project_id: string };
        await recordEvent(q, caller, { type: 'report.deleted', objectType: 'project', objectId: report.project_id, data: json });
      });
    },

    // ---- Templates

    listTemplates: (caller: Caller, query: ListQuery): Promise<ListPage> =>
      db.tenant(caller.tenantId, async (q) => {
        const page = await listRows(q, repo.templates, caller.tenantId, query);
        // The built-in designs come first, on the first page, and are not counted in the tenant's pages.
        if ((query.page ?? 1) !== 1) return page;
        const kinds = typeof query.kind === 'string' && query.kind ? query.kind.split(',').map((k) => k.trim()) : undefined;
        const builtIns = await Promise.all(BUILT_INS.filter((b) => !kinds || kinds.includes(b.kind)).map(builtInJson));
        return { ...page, dataJson: JSON.stringify([...builtIns, ...(JSON.parse(page.dataJson) as unknown[])]) };
      }),

    async getTemplate(caller: Caller, id: string): Promise<string> {
      const builtIn = BUILT_INS.find((b) => b.id === id);
      if (builtIn) return JSON.stringify(await builtInJson(builtIn));
      const { rows } = await db.tenant(caller.tenantId, (q) =>
        q.query<{ j: string }>(`SELECT (${repo.templates.json})::text AS j FROM report_templates t WHERE t.tenant_id = $1 AND t.id = $2`, [caller.tenantId, id]));
      return found(rows[0]?.j, 'Report template');
    },

    async downloadTemplate(caller: Caller, id: string): Promise<{ content: Buffer; filename: string; kind: TemplateKind }> {
      const builtIn = BUILT_INS.find((b) => b.id === id);
      if (builtIn) return { content: await builtInFile(builtIn), filename: builtIn.file, kind: builtIn.kind };
      const { rows } = await db.tenant(caller.tenantId, (q) =>
        q.query<{ content: Buffer; filename: string; kind: TemplateKind }>('SELECT content, filename, kind FROM report_templates WHERE tenant_id = $1 AND id = $2', [caller.tenantId, id]));
      const row = found(rows[0], 'Report template');
      return { ...row, content: Buffer.from(row.content) };
    },

    async createTemplate(caller: Caller, input: TemplateInput): Promise<string> {
      if (blank(input.name)) throw fieldError('name', 'must not be blank');
      if ((input.content === undefined) === (input.content_base64 === undefined)) {
        throw new ValidationError([{ field: 'content', message: 'send the template as content (text) or content_base64 (a file), one of them' }]);
      }
      if (input.kind === 'docx' && input.content !== undefined) throw fieldError('content_base64', 'is required for a docx template (the file, base64)');
      let content: Buffer;
      if (input.content_base64 !== undefined) {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(input.content_base64.replace(/\s/g, ''))) throw fieldError('content_base64', 'is not base64');
        content = Buffer.from(input.content_base64, 'base64');
      } else content = Buffer.from(input.content!, 'utf8');
      if (content.length === 0) throw fieldError(input.content === undefined ? 'content_base64' : 'content', 'is empty');
      if (content.length > config.templateMaxBytes) {
        throw new AppError(413, 'PAYLOAD_TOO_LARGE', `A template may be at most ${Math.round(config.templateMaxBytes / 1048576)} MB`);
      }
      if (input.kind !== 'docx' && !isUtf8(content)) throw fieldError('content', 'must be UTF-8 text');
      await checkTemplate(input.kind, content);
      const id = newId('tpl');
      const actor = actorOf(caller);
      const filename = (input.filename?.trim() || `${input.name.trim().replace(/[^\w.-]+/g, '-').slice(0, 80)}.${EXT[input.kind]}`);
      return db.tenantTx(caller.tenantId, async (q) => {
        const { rows } = await q.query<{ j: string }>(
          `INSERT INTO report_templates AS t (tenant_id, id, name, description, kind, filename, content, size, sha256, created_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING (${repo.templates.json})::text AS j`,
          [caller.tenantId, id, input.name.trim(), input.description ?? null, input.kind, filename, content, content.length,
            createHash('sha256').update(content).digest('hex'), actor.id],
        );
        await recordEvent(q, caller, { type: 'report_template.created', objectType: 'report_template', objectId: id, data: rows[0]!.j });
        return rows[0]!.j;
      });
    },

    async removeTemplate(caller: Caller, id: string): Promise<void> {
      if (BUILT_INS.some((b) => b.id === id)) throw new ForbiddenError('Built-in templates are read-only', 'FORBIDDEN');
      await db.tenantTx(caller.tenantId, async (q) => {
        const { rows } = await q.query<{ j: string }>(
          `DELETE FROM report_templates t WHERE t.tenant_id = $1 AND t.id = $2 RETURNING (${repo.templates.json})::text AS j`, [caller.tenantId, id]);
        const json = found(rows[0]?.j, 'Report template');
        await recordEvent(q, caller, { type: 'report_template.deleted', objectType: 'report_template', objectId: id, data: json });
      });
    },

    // ---- Branding

    async settings(caller: Caller) {
      const b = await db.tenant(caller.tenantId, (q) => repo.branding(q, caller.tenantId));
      return {
        company_name: b.company_name, accent_color: b.accent_color ?? DEFAULT_ACCENT, default_classification: b.default_classification,
        footer_text: b.footer_text, tagged_pdf: b.tagged_pdf, updated_at: b.updated_at,
        logo: b.logo && b.logo_type
          ? { content_type: b.logo_type === 'png' ? ('image/png' as const) : ('image/svg+xml' as const), size: b.logo.length, url: '/api/v1/settings/report/logo' }
          : null,
      };
    },

    async updateSettings(caller: Caller, input: {
      company_name?: string | null; accent_color?: string | null; default_classification?: string | null; footer_text?: string | null; tagged_pdf?: boolean;
      logo?: { content_type: 'image/png' | 'image/svg+xml'; data: string } | null;
    }) {
      let logo: { data: Buffer; type: 'png' | 'svg' } | null | undefined;
      if (input.logo === null) logo = null;
      else if (input.logo) logo = checkLogo(input.logo, config.logoMaxBytes);
      await db.tenantTx(caller.tenantId, async (q) => {
        const current = await repo.branding(q, caller.tenantId);
        const pick = <K extends 'company_name' | 'default_classification' | 'footer_text'>(k: K) =>
          input[k] === undefined ? current[k] : blank(input[k]) ? null : input[k]!.trim();
        await repo.saveBranding(q, caller.tenantId, {
          company_name: pick('company_name'),
          default_classification: pick('default_classification'),
          footer_text: pick('footer_text'),
          accent_color: input.accent_color === undefined ? current.accent_color : input.accent_color?.toLowerCase() ?? null,
          logo: logo === undefined ? current.logo : logo?.data ?? null,
          logo_type: logo === undefined ? current.logo_type : logo?.type ?? null,
          tagged_pdf: input.tagged_pdf ?? current.tagged_pdf,
        });
        await recordEvent(q, caller, {
          type: 'settings.report_updated', objectType: 'tenant', objectId: caller.tenantId,
          data: { fields: Object.keys(input) },
        });
      });
      return this.settings(caller);
    },

    async logo(caller: Caller): Promise<{ data: Buffer; type: 'png' | 'svg' }> {
      const b = await db.tenant(caller.tenantId, (q) => repo.branding(q, caller.tenantId));
      return found(b.logo && b.logo_type ? { data: b.logo, type: b.logo_type } : undefined, 'Logo');
    },
  };
}

function isUtf8(b: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(b);
    return true;
  } catch {
    return false;
  }
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A logo must be what it says: a PNG by its signature, an SVG document with no scripts or external references. */
function checkLogo(logo: { content_type: 'image/png' | 'image/svg+xml'; data: string }, max: number): { data: Buffer; type: 'png' | 'svg' } {
  const data = Buffer.from(logo.data, 'base64');
  if (data.length === 0) throw fieldError('logo.data', 'is empty or not base64');
  if (data.length > max) throw new AppError(413, 'PAYLOAD_TOO_LARGE', `A logo may be at most ${Math.round(max / 1024)} KB`, [{ field: 'logo.data', message: 'is too large' }]);
  if (logo.content_type === 'image/png') {
    if (!data.subarray(0, 8).equals(PNG_MAGIC)) throw fieldError('logo.data', 'is not a PNG image');
    return { data, type: 'png' };
  }
  const text = isUtf8(data) ? data.toString('utf8') : '';
  if (!/<svg[\s>]/i.test(text)) throw fieldError('logo.data', 'is not an SVG image');
  if (/<script|<foreignObject|\bon[a-z]+\s*=|javascript:/i.test(text)) throw fieldError('logo.data', 'must not contain scripts or event handlers');
  try {
    checkSelfContainedSvg(text); // renderers would read what it points to
  } catch (err) {
    throw fieldError('logo.data', `must be self-contained: ${(err as Error).message}`);
  }
  return { data, type: 'svg' };
}
