import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeCompiler } from '@myriaddreamin/typst-ts-node-compiler';
import { SEVERITY_COLORS, severityChartSvg } from './chart.js';
import type { RenderJob, Renderer } from './index.js';
import { parseMarkdown, type Block } from './markdown.js';
import { TemplateError, type RenderAssets, type ReportModel } from './model.js';
import { FONT_FAMILIES, fontPaths } from './pdf-fonts.js';

/**
 * PDF through Typst (typst.ts's native compiler). The model goes to the design as JSON data, never
 * as markup: every compile sees a workspace of virtual files only —
 *
 *   /data.json     the content model, as the JSON format has it
 *   /render.json   what the renderer adds: each Markdown field parsed into nodes (keyed by its
 *                  text), severity colours, the accent colour, the logo's and chart's paths, fonts
 *   /neuro.typ     the library templates import (typst/neuro.typ)
 *   /chart.svg     the severity chart; /logo.png or /logo.svg when the tenant has a logo
 *   /main.typ      the built-in design (typst/report.typ) or the tenant's Typst template
 *
 * The workspace root is an empty read-only directory, so `read`, `image` and `json` reach nothing
 * but these files; they are mapped before and removed after each compile, with no await between,
 * so one job's files never reach the next. One compiler per process (fonts are indexed once).
 */

const TYPST = new URL('./typst/', import.meta.url);
let sources: { library: Buffer; design: Buffer } | undefined;
let compiler: { instance: NodeCompiler; root: string } | undefined;

function getSources() {
  sources ??= { library: readFileSync(new URL('neuro.typ', TYPST)), design: readFileSync(new URL('report.typ', TYPST)) };
  return sources;
}

function getCompiler() {
  if (compiler) return compiler;
  const root = mkdtempSync(join(tmpdir(), 'neuro-typst-'));
  chmodSync(root, 0o500);
  process.once('exit', () => rmSync(root, { recursive: true, force: true }));
  compiler = { instance: NodeCompiler.create({ workspace: root, fontArgs: [{ fontPaths: fontPaths() }] }), root };
  return compiler;
}

/** Every Markdown field of the model, parsed once per distinct text. */
function markdownTrees(model: ReportModel): Record<string, Block[]> {
  const texts = [model.project.description, model.project.scope];
  for (const f of model.findings) texts.push(f.description, f.impact, f.steps_to_reproduce, f.remediation);
  const out: Record<string, Block[]> = {};
  for (const t of texts) if (t && !(t in out)) out[t] = parseMarkdown(t);
  return out;
}

/** The logo as a workspace file, when its bytes are what its type says (else the design goes without). */
function logoFile(assets: RenderAssets): { path: string; data: Buffer } | null {
  const logo = assets.logo;
  if (!logo) return null;
  if (logo.type === 'png' && logo.data.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) {
    return { path: '/logo.png', data: logo.data };
  }
  if (logo.type === 'svg' && /<svg[\s>]/.test(logo.data.subarray(0, 4096).toString('utf8'))) return { path: '/logo.svg', data: logo.data };
  return null;
}

const ACCENT_FALLBACK = '#0f766e';

export function workspaceFiles(job: RenderJob): Record<string, Buffer> {
  const { model } = job;
  const logo = logoFile(job.assets);
  const render = {
    accent: /^#[0-9a-f]{6}$/i.test(model.branding.accent_color) ? model.branding.accent_color : ACCENT_FALLBACK,
    severity_colors: SEVERITY_COLORS,
    logo: logo?.path ?? null,
    chart: '/chart.svg',
    fonts: FONT_FAMILIES,
    markdown: markdownTrees(model),
  };
  const files: Record<string, Buffer> = {
    '/data.json': Buffer.from(JSON.stringify(model)),
    '/render.json': Buffer.from(JSON.stringify(render)),
    '/neuro.typ': getSources().library,
    '/chart.svg': Buffer.from(severityChartSvg(model.summary.by_severity, { font: FONT_FAMILIES.text[0] })),
    '/main.typ': job.template?.kind === 'typst' ? job.template.content : getSources().design,
  };
  if (logo) files[logo.path] = logo.data;
  return files;
}

interface Diagnostic {
  message: string;
  path?: string;
  severity?: number;
  range?: { start: { line: number; character: number } } | null;
}

/** The first error of a failed compile, as TemplateError for a tenant template (else a plain error: a bug in ours). */
function compileError(diagnostics: Diagnostic[], root: string, tenant: boolean): Error {
  const errors = diagnostics.filter((d) => d.severity === undefined || d.severity === 1);
  const first = errors[0] ?? diagnostics[0];
  const clean = (s: string) => s.split(root).join('');
  const message = first ? clean(first.message) : 'the template did not compile';
  const file = first?.path ? clean(first.path) : '/main.typ';
  const line = first?.range ? first.range.start.line + 1 : undefined;
  if (!tenant) return new Error(`built-in PDF design failed: ${message} (${file}${line ? ` line ${line}` : ''})`);
  if (file === '/main.typ') return new TemplateError(message, line);
  return new TemplateError(`${message} (in ${file.replace(/^\//, '')}${line ? ` line ${line}` : ''})`);
}

export const renderPdf: Renderer = async (job, progress) => {
  const tenant = job.template !== undefined;
  if (tenant && job.template!.kind !== 'typst') throw new TemplateError(`a ${job.template!.kind} template cannot render a PDF`);
  await releaseNative();
  const files = workspaceFiles(job);
  progress(10);
  const { instance, root } = getCompiler();
  // From here to the end nothing awaits: no other job can map or see files in between.
  instance.resetShadow();
  try {
    for (const [path, data] of Object.entries(files)) instance.mapShadow(root + path, data);
    const result = instance.compile({ mainFilePath: `${root}/main.typ` });
    const doc = result.result;
    if (result.hasError() || !doc) {
      const err = result.takeError();
      const diagnostics = err ? (instance.fetchDiagnostics(err) as Diagnostic[]) : [];
      throw compileError(diagnostics.length > 0 ? diagnostics : ((err?.shortDiagnostics ?? []) as Diagnostic[]), root, tenant);
    }
    progress(70);
    const pdf = instance.pdf(doc, {
      creationTimestamp: Math.floor(Date.parse(job.model.report.generated_at) / 1000) || undefined,
      // Tags (the structure screen readers read) make a 500-finding report four times the size
      // (16 MB instead of 4) and a fifth slower: on when the tenant asks for accessible PDFs.
      pdfTags: job.model.branding.tagged_pdf === true,
    });
    progress(100);
    return pdf;
  } finally {
    instance.resetShadow();
    // Typst memoizes every layout step; a 500-finding report leaves hundreds of MB in that cache
    // and another report's text gains nothing from it, so it goes after each job.
    instance.evictCache(0);
  }
};

/**
 * The compiled document of a job lives in native memory that V8 does not see, so it is freed only
 * when a full collection finds its small JS handle unreachable and the finalizer runs (on a later
 * turn of the event loop); without that, RSS climbs by the size of a report per job. When the
 * process runs with --expose-gc, collect before each job and let the finalizers run.
 */
async function releaseNative() {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return;
  gc();
  await new Promise((resolve) => setImmediate(resolve));
}
