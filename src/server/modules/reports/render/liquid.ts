import { Liquid } from 'liquidjs';
import sanitizeHtml from 'sanitize-html';
import type { Renderer } from './index.js';
import { SEVERITY_COLORS, severityChartSvg } from './chart.js';
import { markdownHtml } from './html.js';
import { markdownMd, mdEscape } from './markdown-out.js';
import { TemplateError, type ReportModel } from './model.js';

/**
 * Tenant HTML and Markdown templates, in Liquid (LiquidJS): loops and conditions over the content
 * model, no code. Sandboxed as LiquidJS allows: only own properties are visible (no `constructor`,
 * no prototypes), no file system (no include/render/layout of other files), limits on template
 * size, render time and memory, and every unknown variable or filter is an error naming its line.
 * HTML output is escaped by default and sanitised at the end (no scripts, handlers or foreign URLs).
 */
// The render process's timeout (NEURO_REPORT_TIMEOUT_SECONDS) is the deadline that counts; LiquidJS's
// own render limit only stops a runaway loop inside the engine first.
const LIMITS = { parseLimit: 2_000_000, renderLimit: 120_000, memoryLimit: 200_000_000 };

function engine(kind: 'html' | 'markdown'): Liquid {
  const liquid = new Liquid({
    ownPropertyOnly: true,
    strictFilters: true,
    strictVariables: true,
    lenientIf: true,
    // Values print as text: escaped for HTML, or for Markdown (a title never becomes a heading).
    outputEscape: kind === 'html' ? 'escape' : (value: unknown) => mdEscape(value === null || value === undefined ? '' : String(value)),
    templates: {},
    relativeReference: false,
    ...LIMITS,
  });
  // {{ finding.description | markdown }}: the Markdown field as HTML or as Markdown, built by our
  // own renderer from the node tree (so it is safe to leave unescaped).
  liquid.registerFilter('markdown', {
    handler: (text: unknown, level?: unknown) => {
      const base = typeof level === 'number' ? level : 4;
      const value = typeof text === 'string' ? text : '';
      return kind === 'html' ? markdownHtml(value, base) : markdownMd(value, base);
    },
    raw: true,
  });
  liquid.registerFilter('severity_color', (s: unknown) => SEVERITY_COLORS[s as keyof typeof SEVERITY_COLORS] ?? '#475569');
  return liquid;
}

/** Sanitised HTML: a generous set of document tags and styles, images only from data: URIs. */
function sanitise(html: string): string {
  return sanitizeHtml(html, {
    allowedTags: [
      ...sanitizeHtml.defaults.allowedTags, 'html', 'head', 'body', 'title', 'meta', 'style', 'img', 'header', 'footer', 'main',
      'section', 'article', 'nav', 'figure', 'figcaption', 'del', 'ins', 'colgroup', 'col',
    ],
    allowVulnerableTags: true, // <style>: CSS, never script (sanitize-html parses it as text)
    allowedAttributes: {
      '*': ['class', 'id', 'style', 'title', 'lang', 'dir', 'role', 'aria-*', 'data-*'],
      a: ['href', 'name', 'rel', 'target'],
      img: ['src', 'alt', 'width', 'height'],
      meta: ['charset', 'name', 'content'],
      ol: ['start'], td: ['colspan', 'rowspan'], th: ['colspan', 'rowspan', 'scope'], col: ['span'],
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: ['data'] },
    allowProtocolRelative: false,
  });
}

/** What templates see: the content model plus ready-made pieces (documented in docs/report-model.md). */
export function templateData(model: ReportModel) {
  const chart = severityChartSvg(model.summary.by_severity);
  return {
    ...model,
    charts: { severity_svg_data_uri: `data:image/svg+xml;base64,${Buffer.from(chart).toString('base64')}` },
  };
}

function templateError(err: unknown): TemplateError {
  const e = err as Error & { token?: { getPosition?: () => [number, number] } };
  const line = e.token?.getPosition?.()[0];
  // LiquidJS messages carry ", line:3, col:5": keep the words, give the line once.
  const message = (e.message ?? String(err)).replace(/, line:\d+, col:\d+/, '');
  return new TemplateError(`template error: ${message}`, line);
}

export function renderLiquid(kind: 'html' | 'markdown'): Renderer {
  return async ({ model, template }, progress) => {
    const source = template!.content.toString('utf8');
    const liquid = engine(kind);
    let out: string;
    try {
      const parsed = liquid.parse(source);
      progress(20);
      out = await liquid.render(parsed, templateData(model));
    } catch (err) {
      throw templateError(err);
    }
    progress(90);
    return Buffer.from(kind === 'html' ? sanitise(out) : out, 'utf8');
  };
}
