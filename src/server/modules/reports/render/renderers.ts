import type { Renderer } from './index.js';
import type { ReportFormat, TemplateKind } from './model.js';
import { renderCsv, renderJson } from './csv.js';
import { renderHtml } from './html.js';
import { renderMarkdown } from './markdown-out.js';
import { renderLiquid } from './liquid.js';

/** The built-in design of each format; PDF and DOCX load their engines on first use. */
const BUILT_IN: Record<ReportFormat, () => Promise<Renderer>> = {
  pdf: async () => (await import('./pdf.js')).renderPdf,
  docx: async () => (await import('./docx.js')).renderDocx,
  html: async () => renderHtml,
  markdown: async () => renderMarkdown,
  json: async () => renderJson,
  csv: async () => renderCsv,
};

/** The renderer of a tenant template's kind (its format is TEMPLATE_FORMAT[kind]). */
const TEMPLATED: Record<TemplateKind, () => Promise<Renderer>> = {
  typst: async () => (await import('./pdf.js')).renderPdf,
  docx: async () => (await import('./docx-template.js')).renderDocxTemplate,
  html: async () => renderLiquid('html'),
  markdown: async () => renderLiquid('markdown'),
};

export function rendererFor(format: ReportFormat, template?: TemplateKind): Promise<Renderer> {
  return template ? TEMPLATED[template]() : BUILT_IN[format]();
}
