import { Type } from 'typebox';
import type { FastifyReply } from 'fastify';
import type { Module } from '../../types.js';
import { callerOf } from '../../lib/caller.js';
import { Envelope, IdParams, ListEnvelope, errorResponses } from '../../lib/schemas.js';
import { sendData, sendPage } from '../../lib/reply.js';
import { contentDisposition } from './filename.js';
import { createRenderPool } from './render-pool.js';
import { CONTENT_TYPES } from './render/index.js';
import { Report, ReportCreate, ReportListQuery, ReportSettings, ReportSettingsUpdate, ReportTemplate, ReportTemplateCreate, TemplateListQuery } from './schemas.js';
import { createReportService } from './service.js';
import { createReportWorker } from './worker.js';

const TEMPLATE_TYPES: Record<string, string> = {
  docx: CONTENT_TYPES.docx, typst: 'text/plain; charset=utf-8', html: 'text/plain; charset=utf-8', markdown: 'text/plain; charset=utf-8',
};

/** A file answer: never sniffed, never run as a page of ours (an HTML report opens as a sandboxed document). */
function sendFile(reply: FastifyReply, file: { content: Buffer; contentType: string; filename: string; etag?: string }) {
  reply
    .code(200)
    .header('content-type', file.contentType)
    .header('content-disposition', contentDisposition(file.filename))
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "sandbox; default-src 'none'; img-src data:; style-src 'unsafe-inline'")
    .header('cache-control', 'private, no-cache');
  if (file.etag) reply.header('etag', `"${file.etag}"`);
  return reply.send(file.content);
}

export const reportsModule: Module = {
  name: 'reports',
  tag: { name: 'Reports', description: 'Reports of a project in PDF, DOCX, HTML, Markdown, JSON and CSV, generated in the background from the built-in design or a template of yours.' },
  ids: { rep: 'report', tpl: 'report template' },
  events: [
    { type: 'report.generated', description: 'A report was generated and can be downloaded; `data` is the report.', readScope: 'reports:read' },
    { type: 'report.failed', description: 'A report could not be generated; `data.error` says why.', readScope: 'reports:read' },
  ],
  register(app, ctx) {
    const config = ctx.config.reports;
    const pool = createRenderPool({ size: config.concurrency, idleMs: config.renderIdleMs, memoryMb: config.renderMemoryMb, nice: config.renderNice, log: app.log });
    const worker = createReportWorker({ db: ctx.db, config, pool, log: app.log });
    const service = createReportService({ db: ctx.db, config, pool, wake: worker.wake });
    const tags = ['Reports'];
    const read = { scope: 'reports:read' } as const;
    const write = { scope: 'reports:write' } as const;
    const list = { querystring: ReportListQuery, response: { 200: ListEnvelope(Report), ...errorResponses } };
    const file = { 200: Type.String({ description: 'The file', contentMediaType: 'application/octet-stream' }), ...errorResponses };

    app.post('/reports', {
      schema: {
        operationId: 'createReport', tags, summary: 'Generate a report (in the background: 202, then poll it or wait for report.generated)',
        body: ReportCreate, response: { 202: Envelope(Report), ...errorResponses },
      },
      config: write,
    }, async (req, reply) => sendData(reply, await service.create(callerOf(req), req.body), 202));

    app.get('/reports', {
      schema: { operationId: 'listReports', tags, summary: 'List reports, newest first', ...list },
      config: read,
    }, async (req, reply) => sendPage(reply, await service.list(callerOf(req), req.query)));

    app.get('/projects/:id/reports', {
      schema: { operationId: 'listProjectReports', tags: ['Projects', ...tags], summary: "List a project's reports", params: IdParams, ...list },
      config: read,
    }, async (req, reply) => sendPage(reply, await service.listOfProject(callerOf(req), req.params.id, req.query)));

    app.get('/reports/:id', {
      schema: { operationId: 'getReport', tags, summary: 'Get a report: its status, progress and, once completed, size and sha256', params: IdParams, response: { 200: Envelope(Report), ...errorResponses } },
      config: read,
    }, async (req, reply) => sendData(reply, await service.get(callerOf(req), req.params.id)));

    app.get('/reports/:id/download', {
      schema: { operationId: 'downloadReport', tags, summary: 'Download a completed report (409 until it is)', params: IdParams, response: file },
      config: read,
    }, async (req, reply) => {
      const f = await service.download(callerOf(req), req.params.id);
      return sendFile(reply, { content: f.content, contentType: CONTENT_TYPES[f.format], filename: f.filename, etag: f.sha256 });
    });

    app.delete('/reports/:id', {
      schema: { operationId: 'deleteReport', tags, summary: 'Delete a report and its file', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: write,
    }, async (req, reply) => {
      await service.remove(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    // ---- Templates

    const templateTags = tags;
    app.get('/report-templates', {
      schema: { operationId: 'listReportTemplates', tags: templateTags, summary: 'List report templates: the built-in designs (first page), then yours', querystring: TemplateListQuery, response: { 200: ListEnvelope(ReportTemplate), ...errorResponses } },
      config: read,
    }, async (req, reply) => sendPage(reply, await service.listTemplates(callerOf(req), req.query)));

    app.post('/report-templates', {
      schema: {
        operationId: 'createReportTemplate', tags: templateTags,
        summary: 'Upload a template (checked by rendering the sample engagement: a broken one is a 400 naming its line)',
        body: ReportTemplateCreate, response: { 201: Envelope(ReportTemplate), ...errorResponses },
      },
      config: write,
      bodyLimit: Math.ceil(config.templateMaxBytes * 1.4) + 65_536,
    }, async (req, reply) => sendData(reply, await service.createTemplate(callerOf(req), req.body), 201));

    app.get('/report-templates/:id', {
      schema: { operationId: 'getReportTemplate', tags: templateTags, summary: 'Get a report template', params: IdParams, response: { 200: Envelope(ReportTemplate), ...errorResponses } },
      config: read,
    }, async (req, reply) => sendData(reply, await service.getTemplate(callerOf(req), req.params.id)));

    app.get('/report-templates/:id/download', {
      schema: { operationId: 'downloadReportTemplate', tags: templateTags, summary: 'Download a template file (a built-in one gives its example to start from)', params: IdParams, response: file },
      config: read,
    }, async (req, reply) => {
      const t = await service.downloadTemplate(callerOf(req), req.params.id);
      return sendFile(reply, { content: t.content, contentType: TEMPLATE_TYPES[t.kind]!, filename: t.filename });
    });

    app.delete('/report-templates/:id', {
      schema: { operationId: 'deleteReportTemplate', tags: templateTags, summary: 'Delete a template (reports made with it keep its name)', params: IdParams, response: { 204: Type.Null(), ...errorResponses } },
      config: write,
    }, async (req, reply) => {
      await service.removeTemplate(callerOf(req), req.params.id);
      return reply.code(204).send(null);
    });

    // ---- Branding (admins)

    app.get('/settings/report', {
      schema: { operationId: 'getReportSettings', tags, summary: 'Branding of the built-in report design', response: { 200: Envelope(ReportSettings), ...errorResponses } },
      config: { scope: 'admin' },
    }, async (req, reply) => reply.send({ success: true as const, data: await service.settings(callerOf(req)) }));

    app.put('/settings/report', {
      schema: {
        operationId: 'updateReportSettings', tags,
        summary: 'Change the branding: company name, logo (PNG or SVG, base64), accent colour, default classification, footer text',
        body: ReportSettingsUpdate, response: { 200: Envelope(ReportSettings), ...errorResponses },
      },
      config: { scope: 'admin' },
      bodyLimit: Math.ceil(config.logoMaxBytes * 1.4) + 65_536,
    }, async (req, reply) => reply.send({ success: true as const, data: await service.updateSettings(callerOf(req), req.body) }));

    app.get('/settings/report/logo', {
      schema: { operationId: 'getReportLogo', tags, summary: 'The branding logo', response: file },
      config: { scope: 'admin' },
    }, async (req, reply) => {
      const logo = await service.logo(callerOf(req));
      return sendFile(reply, { content: logo.data, contentType: logo.type === 'png' ? 'image/png' : 'image/svg+xml', filename: `logo.${logo.type}` });
    });

    // The render processes end with the server; the worker only where this instance renders.
    const closePool = { name: 'report-render-processes', start() {}, stop: () => pool.close() };
    return { workers: config.worker ? [worker, closePool] : [closePool] };
  },
};
