import type { Renderer } from './index.js';
import { parseMarkdown, type Block, type Inline } from './markdown.js';
import { SEVERITY_COLORS, severityChartSvg } from './chart.js';
import type { RenderAssets, ReportFinding, ReportModel } from './model.js';
import { FINDING_STATUSES, SEVERITIES } from '../../../lib/severity.js';

/** Escapes text for HTML content and attribute values. */
export const esc = (s: string | number | null | undefined): string =>
  String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function inlineHtml(nodes: Inline[]): string {
  return nodes.map((n) => {
    switch (n.type) {
      case 'text': return esc(n.value);
      case 'code': return `<code>${esc(n.value)}</code>`;
      case 'break': return '<br>';
      case 'strong': return `<strong>${inlineHtml(n.children)}</strong>`;
      case 'em': return `<em>${inlineHtml(n.children)}</em>`;
      case 'del': return `<del>${inlineHtml(n.children)}</del>`;
      case 'link': return `<a href="${esc(n.href)}" rel="noopener noreferrer">${inlineHtml(n.children)}</a>`;
    }
  }).join('');
}

/** Markdown blocks as HTML; headings start at `<h{base}>` so they stay below the section's own. */
export function blocksHtml(blocks: Block[], base = 4): string {
  return blocks.map((b) => {
    switch (b.type) {
      case 'paragraph': return `<p>${inlineHtml(b.children)}</p>`;
      case 'heading': {
        const level = Math.min(6, base + b.level - 1);
        return `<h${level} class="md-heading">${inlineHtml(b.children)}</h${level}>`;
      }
      case 'code': return `<pre><code${b.lang ? ` data-lang="${esc(b.lang)}"` : ''}>${esc(b.value)}</code></pre>`;
      case 'rule': return '<hr>';
      case 'blockquote': return `<blockquote>${blocksHtml(b.children, base)}</blockquote>`;
      case 'list': {
        const tag = b.ordered ? 'ol' : 'ul';
        const start = b.ordered && b.start !== 1 ? ` start="${b.start}"` : '';
        return `<${tag}${start}>${b.items.map((item) => `<li>${blocksHtml(item, base)}</li>`).join('')}</${tag}>`;
      }
      case 'table': {
        const align = (i: number) => (b.align[i] ? ` style="text-align:${b.align[i]}"` : '');
        const head = b.header.map((c, i) => `<th${align(i)}>${inlineHtml(c)}</th>`).join('');
        const rows = b.rows.map((r) => `<tr>${r.map((c, i) => `<td${align(i)}>${inlineHtml(c)}</td>`).join('')}</tr>`).join('');
        return `<table class="md-table"><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
      }
    }
  }).join('\n');
}

export const markdownHtml = (text: string | null | undefined, base = 4) => blocksHtml(parseMarkdown(text), base);

const badge = (severity: ReportFinding['severity']) =>
  `<span class="badge" style="background:${SEVERITY_COLORS[severity]}">${esc(severity)}</span>`;

function logoTag(assets: RenderAssets): string {
  if (!assets.logo) return '';
  const type = assets.logo.type === 'svg' ? 'image/svg+xml' : 'image/png';
  // An <img> never runs a script an SVG may carry.
  return `<img class="logo" alt="" src="data:${type};base64,${assets.logo.data.toString('base64')}">`;
}

function findingHtml(f: ReportFinding): string {
  const field = (label: string, text: string | null) => (text ? `<h4>${label}</h4>${markdownHtml(text, 5)}` : '');
  const meta: [string, string][] = [
    ['Severity', badge(f.severity)],
    ['Status', esc(f.status)],
    ['CVSS', f.cvss_score === null ? '—' : `${esc(f.cvss_score.toFixed(1))} <code>${esc(f.cvss_vector)}</code>`],
    ['CWE', esc(f.cwe ?? '—')],
    ['CVE', esc(f.cve.join(', ') || '—')],
    ['Affected assets', esc(f.assets.map((a) => a.name).join(', ') || '—')],
  ];
  return `<section class="finding" id="${esc(f.ref)}">
<h3>${esc(f.ref)} ${esc(f.title)}</h3>
<table class="meta">${meta.map(([k, v]) => `<tr><th>${k}</th><td>${v}</td></tr>`).join('')}</table>
${field('Description', f.description)}${field('Impact', f.impact)}${field('Steps to reproduce', f.steps_to_reproduce)}${field('Remediation', f.remediation)}
${f.references.length ? `<h4>References</h4><ul>${f.references.map((r) => `<li><a href="${esc(r)}" rel="noopener noreferrer">${esc(r)}</a></li>`).join('')}</ul>` : ''}
</section>`;
}

const STYLE = (accent: string) => `
:root { --accent: ${accent}; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans", "Segoe UI", system-ui, -apple-system, "Helvetica Neue", Arial, "Noto Sans SC", "Noto Sans CJK SC", "PingFang SC", "Hiragino Sans", sans-serif;
  color: var(--ink); line-height: 1.55; margin: 0; background: #f8fafc; }
main { max-width: 920px; margin: 0 auto; background: #fff; padding: 48px 56px 64px; }
header.cover { border-top: 10px solid var(--accent); padding: 40px 0 24px; margin-bottom: 32px; }
.logo { max-height: 64px; max-width: 240px; display: block; margin-bottom: 24px; }
.classification { display: inline-block; border: 1px solid var(--accent); color: var(--accent); padding: 2px 10px; border-radius: 3px;
  font-size: 12px; letter-spacing: .08em; text-transform: uppercase; }
h1 { font-size: 34px; line-height: 1.2; margin: 16px 0 8px; }
h2 { color: var(--accent); border-bottom: 2px solid var(--accent); padding-bottom: 4px; margin-top: 48px; }
h3 { margin-top: 36px; }
.sub { color: var(--muted); font-size: 18px; margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 12px 0; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
thead th, table.summary th { background: #f1f5f9; }
table.meta th { width: 170px; background: #f8fafc; font-weight: 600; }
.badge { color: #fff; border-radius: 3px; padding: 1px 8px; font-size: 12px; font-weight: 600; white-space: nowrap; }
pre { background: #0f172a; color: #e2e8f0; padding: 12px 14px; border-radius: 4px; overflow-x: auto; font-size: 13px; }
code { font-family: "DejaVu Sans Mono", "SFMono-Regular", Consolas, monospace; font-size: .92em; }
:not(pre) > code { background: #f1f5f9; padding: 0 4px; border-radius: 3px; }
blockquote { border-left: 4px solid var(--accent); margin: 12px 0; padding: 4px 14px; color: #374151; background: #f8fafc; }
nav.toc ol { padding-left: 20px; } nav.toc a { color: var(--ink); text-decoration: none; } nav.toc a:hover { text-decoration: underline; }
section.finding { border-top: 1px solid var(--line); }
footer { margin-top: 48px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 12px; }
@media print { body { background: #fff; } main { padding: 0; max-width: none; } section.finding { break-before: page; } }
`;

/** The built-in HTML design: one self-contained file (styles and images inline, nothing fetched). */
export function htmlDocument(model: ReportModel, assets: RenderAssets): string {
  const { report, project, client, summary } = model;
  const title = `${report.title} — ${project.name}`;
  const counts = SEVERITIES.map((s) => `<tr><td>${badge(s)}</td><td>${summary.by_severity[s]}</td></tr>`).join('');
  const statuses = FINDING_STATUSES.filter((s) => model.include.statuses.includes(s))
    .map((s) => `<tr><td>${esc(s)}</td><td>${summary.by_status[s]}</td></tr>`).join('');
  const toc = model.findings.map((f) => `<li><a href="#${esc(f.ref)}">${esc(f.ref)} ${esc(f.title)}</a> — ${esc(f.severity)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title><style>${STYLE(model.branding.accent_color)}</style></head>
<body><main>
<header class="cover">${logoTag(assets)}
${report.classification ? `<span class="classification">${esc(report.classification)}</span>` : ''}
<h1>${esc(report.title)}</h1>
<p class="sub">${esc(project.name)}${client ? ` · ${esc(client.name)}` : ''}</p>
<table class="summary"><tr><th>Version</th><td>${esc(report.version)}</td></tr>
<tr><th>Date</th><td>${esc(report.generated_at.slice(0, 10))}</td></tr>
${project.start_date || project.end_date ? `<tr><th>Testing period</th><td>${esc(project.start_date ?? '…')} – ${esc(project.end_date ?? '…')}</td></tr>` : ''}
${report.author ? `<tr><th>Author</th><td>${esc(report.author.name)}</td></tr>` : ''}
${model.branding.company_name ? `<tr><th>Prepared by</th><td>${esc(model.branding.company_name)}</td></tr>` : ''}</table>
</header>
<h2 id="document-control">Document control</h2>
<table><thead><tr><th>Version</th><th>Date</th><th>Author</th><th>Format</th></tr></thead><tbody>
${model.document_control.map((v) => `<tr><td>${esc(v.version)}</td><td>${esc(v.date)}</td><td>${esc(v.author ?? '—')}</td><td>${esc(v.format.toUpperCase())}</td></tr>`).join('')}
</tbody></table>
<nav class="toc" aria-label="Contents"><h2>Contents</h2><ol>
<li><a href="#summary">Executive summary</a></li><li><a href="#scope">Scope and assets</a></li><li><a href="#findings-summary">Findings summary</a></li>
<li><a href="#findings">Findings</a><ol>${toc}</ol></li></ol></nav>
<h2 id="summary">Executive summary</h2>
${markdownHtml(project.description, 3)}
<p>This report covers <strong>${summary.total}</strong> finding${summary.total === 1 ? '' : 's'}.</p>
${severityChartSvg(summary.by_severity)}
<table class="summary"><thead><tr><th>Severity</th><th>Findings</th></tr></thead><tbody>${counts}</tbody></table>
<table class="summary"><thead><tr><th>Status</th><th>Findings</th></tr></thead><tbody>${statuses}</tbody></table>
<h2 id="scope">Scope and assets</h2>
${markdownHtml(project.scope, 3)}
${model.assets.length ? `<table><thead><tr><th>Asset</th><th>Type</th><th>Description</th><th>Findings</th></tr></thead><tbody>
${model.assets.map((a) => `<tr><td>${esc(a.name)}</td><td>${esc(a.type)}</td><td>${esc(a.description ?? '')}</td><td>${a.finding_count}</td></tr>`).join('')}
</tbody></table>` : '<p>No assets are recorded for this project.</p>'}
<h2 id="findings-summary">Findings summary</h2>
<table><thead><tr><th>Ref</th><th>Title</th><th>Severity</th><th>CVSS</th><th>Status</th></tr></thead><tbody>
${model.findings.map((f) => `<tr><td><a href="#${esc(f.ref)}">${esc(f.ref)}</a></td><td>${esc(f.title)}</td><td>${badge(f.severity)}</td><td>${f.cvss_score === null ? '—' : esc(f.cvss_score.toFixed(1))}</td><td>${esc(f.status)}</td></tr>`).join('')}
</tbody></table>
<h2 id="findings">Findings</h2>
${model.findings.map(findingHtml).join('\n')}
<footer>${esc(model.branding.footer_text ?? '')}${report.classification ? ` · ${esc(report.classification)}` : ''} · ${esc(report.title)} v${esc(report.version)}</footer>
</main></body></html>
`;
}

export const renderHtml: Renderer = async ({ model, assets }, progress) => {
  progress(50);
  const out = Buffer.from(htmlDocument(model, assets), 'utf8');
  progress(100);
  return out;
};
