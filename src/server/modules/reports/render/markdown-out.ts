import type { Renderer } from './index.js';
import { parseMarkdown, type Block, type Inline } from './markdown.js';
import type { ReportFinding, ReportModel } from './model.js';
import { FINDING_STATUSES, SEVERITIES } from '../../../lib/severity.js';

/**
 * Text as Markdown that shows exactly that text: every character Markdown could read as syntax is
 * escaped (list and heading markers only at the start, where they mean something).
 */
export const mdEscape = (s: string | number | null | undefined) =>
  String(s ?? '')
    .replace(/\n/g, ' ')
    .replace(/[\\`*_{}[\]#|<>~$&]/g, (c) => `\\${c}`)
    .replace(/!(?=\\\[)/g, '\\!')
    .replace(/^(\s*)([-+=])/, '$1\\$2')
    .replace(/^(\s*\d+)([.)])/, '$1\\$2');

function codeSpan(value: string): string {
  const ticks = '`'.repeat(Math.max(1, ...[...value.matchAll(/`+/g)].map((m) => m[0].length + 1)));
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${ticks}${pad}${value}${pad}${ticks}`;
}

export function inlineMd(nodes: Inline[]): string {
  return nodes.map((n) => {
    switch (n.type) {
      case 'text': return mdEscape(n.value);
      case 'code': return codeSpan(n.value);
      case 'break': return '\\\n';
      case 'strong': return `**${inlineMd(n.children)}**`;
      case 'em': return `*${inlineMd(n.children)}*`;
      case 'del': return `~~${inlineMd(n.children)}~~`;
      case 'link': return `[${inlineMd(n.children)}](<${n.href.replace(/[<>\s]/g, encodeURIComponent)}>)`;
    }
  }).join('');
}

/** Markdown blocks written again from the node tree, headings moved below `base` (the section's level). */
export function blocksMd(blocks: Block[], base = 4, indent = ''): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.type) {
      case 'paragraph': out.push(inlineMd(b.children)); break;
      case 'heading': out.push(`${'#'.repeat(Math.min(6, base + b.level - 1))} ${inlineMd(b.children)}`); break;
      case 'code': {
        const fence = '`'.repeat(Math.max(3, ...[...b.value.matchAll(/`+/g)].map((m) => m[0].length + 1)));
        out.push(`${fence}${b.lang ?? ''}\n${b.value}\n${fence}`);
        break;
      }
      case 'rule': out.push('---'); break;
      case 'blockquote': out.push(blocksMd(b.children, base).split('\n').map((l) => (l ? `> ${l}` : '>')).join('\n')); break;
      case 'list':
        out.push(b.items.map((item, i) => {
          const marker = b.ordered ? `${b.start + i}.` : '-';
          const body = blocksMd(item, base).split('\n');
          return [`${marker} ${body[0] ?? ''}`, ...body.slice(1).map((l) => (l ? `${' '.repeat(marker.length + 1)}${l}` : ''))].join('\n');
        }).join('\n'));
        break;
      case 'table': {
        const cell = (c: Inline[]) => inlineMd(c).replace(/\|/g, '\\|');
        const sep = b.align.map((a) => (a === 'center' ? ':---:' : a === 'right' ? '---:' : a === 'left' ? ':---' : '---'));
        out.push([`| ${b.header.map(cell).join(' | ')} |`, `| ${sep.join(' | ')} |`, ...b.rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n'));
        break;
      }
    }
  }
  return out.map((x) => x.split('\n').map((l) => indent + l).join('\n')).join('\n\n');
}

export const markdownMd = (text: string | null | undefined, base = 4) => blocksMd(parseMarkdown(text), base);

function findingMd(f: ReportFinding): string {
  const field = (label: string, text: string | null) => (text ? `#### ${label}\n\n${markdownMd(text, 5)}\n` : '');
  return [
    `### ${mdEscape(f.ref)} ${mdEscape(f.title)}`,
    '',
    '| | |',
    '|---|---|',
    `| Severity | ${f.severity} |`,
    `| Status | ${f.status} |`,
    `| CVSS | ${f.cvss_score === null ? '—' : `${f.cvss_score.toFixed(1)} ${codeSpan(f.cvss_vector ?? '')}`} |`,
    `| CWE | ${mdEscape(f.cwe ?? '—')} |`,
    `| CVE | ${mdEscape(f.cve.join(', ') || '—')} |`,
    `| Affected assets | ${mdEscape(f.assets.map((a) => a.name).join(', ') || '—')} |`,
    '',
    field('Description', f.description),
    field('Impact', f.impact),
    field('Steps to reproduce', f.steps_to_reproduce),
    field('Remediation', f.remediation),
    f.references.length ? `#### References\n\n${f.references.map((r) => `- <${r}>`).join('\n')}\n` : '',
  ].filter((x) => x !== '').join('\n');
}

/** The built-in Markdown design: the same sections as the PDF, in plain Markdown (GFM tables). */
export function markdownDocument(model: ReportModel): string {
  const { report, project, client, summary } = model;
  const lines = [
    `# ${mdEscape(report.title)}`,
    '',
    `**${mdEscape(project.name)}**${client ? ` · ${mdEscape(client.name)}` : ''}`,
    '',
    report.classification ? `Classification: **${mdEscape(report.classification)}**  ` : '',
    `Version ${mdEscape(report.version)} · ${report.generated_at.slice(0, 10)}${report.author ? ` · ${mdEscape(report.author.name)}` : ''}`,
    model.branding.company_name ? `\nPrepared by ${mdEscape(model.branding.company_name)}` : '',
    '',
    '## Document control',
    '',
    '| Version | Date | Author | Format |',
    '|---|---|---|---|',
    ...model.document_control.map((v) => `| ${mdEscape(v.version)} | ${v.date} | ${mdEscape(v.author ?? '—')} | ${v.format.toUpperCase()} |`),
    '',
    '## Contents',
    '',
    '1. [Executive summary](#executive-summary)',
    '2. [Scope and assets](#scope-and-assets)',
    '3. [Findings summary](#findings-summary)',
    '4. [Findings](#findings)',
    '',
    '## Executive summary',
    '',
    markdownMd(project.description, 3),
    '',
    `This report covers **${summary.total}** finding${summary.total === 1 ? '' : 's'}.`,
    '',
    '| Severity | Findings |',
    '|---|---:|',
    ...SEVERITIES.map((s) => `| ${s} | ${summary.by_severity[s]} |`),
    '',
    '| Status | Findings |',
    '|---|---:|',
    ...FINDING_STATUSES.filter((s) => model.include.statuses.includes(s)).map((s) => `| ${s} | ${summary.by_status[s]} |`),
    '',
    '## Scope and assets',
    '',
    markdownMd(project.scope, 3),
    '',
    ...(model.assets.length
      ? ['| Asset | Type | Description | Findings |', '|---|---|---|---:|',
          ...model.assets.map((a) => `| ${mdEscape(a.name)} | ${a.type} | ${mdEscape(a.description ?? '')} | ${a.finding_count} |`)]
      : ['No assets are recorded for this project.']),
    '',
    '## Findings summary',
    '',
    '| Ref | Title | Severity | CVSS | Status |',
    '|---|---|---|---:|---|',
    ...model.findings.map((f) => `| ${f.ref} | ${mdEscape(f.title).replace(/\|/g, '\\|')} | ${f.severity} | ${f.cvss_score?.toFixed(1) ?? '—'} | ${f.status} |`),
    '',
    '## Findings',
    '',
    ...model.findings.map(findingMd),
    model.branding.footer_text ? `---\n\n${mdEscape(model.branding.footer_text)}` : '',
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trim()}\n`;
}

export const renderMarkdown: Renderer = async ({ model }, progress) => {
  progress(50);
  return Buffer.from(markdownDocument(model), 'utf8');
};
