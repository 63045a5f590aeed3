import type { RenderAssets, ReportFormat, ReportModel, TemplateKind } from './model.js';

/**
 * One render: the content model, its binary assets and, optionally, a tenant template of the
 * format's kind. Renderers run in the report render process (render-process.ts), never in the
 * API server, and report progress from 0 to 100 as they go.
 */
export interface RenderJob {
  model: ReportModel;
  assets: RenderAssets;
  template?: { kind: TemplateKind; content: Buffer };
}

export type Renderer = (job: RenderJob, progress: (percent: number) => void) => Promise<Buffer>;

export const CONTENT_TYPES: Record<ReportFormat, string> = {
  pdf: 'application/pdf',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  json: 'application/json; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export const EXTENSIONS: Record<ReportFormat, string> = { pdf: 'pdf', docx: 'docx', html: 'html', markdown: 'md', json: 'json', csv: 'csv' };
