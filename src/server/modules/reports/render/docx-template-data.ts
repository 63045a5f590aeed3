import { FINDING_STATUSES, SEVERITIES } from '../../../lib/severity.js';
import { SEVERITY_COLORS } from './chart.js';
import type { ReportModel } from './model.js';
import { type Block, parseMarkdown, plainText } from './markdown.js';
import type { Wml } from './docx-wml.js';

/**
 * What a tenant's DOCX template sees: the content model as it is (docs/report-model.md), plus, for
 * every Markdown field, `<field>_text` (plain text, line breaks kept) and `<field>_xml` (Word
 * formatting from our Markdown writer, for raw tags: `{@description_xml}`), and a few joined or
 * counted conveniences. templates/docx-template.md documents it.
 *
 * The data is rebuilt from JSON into objects without a prototype, so a tag can only ever reach
 * data: there is no `constructor`, `toString` or `__proto__` to find, and no function to call.
 */

/** XML that our writer produced: the only kind of value a raw tag (`{@…}`) will insert. */
export class TrustedXml {
  constructor(readonly xml: string) {}
}

const MARKDOWN_FINDING_FIELDS = ['description', 'impact', 'steps_to_reproduce', 'remediation'] as const;
const MARKDOWN_PROJECT_FIELDS = ['description', 'scope'] as const;

type Plain = null | boolean | number | string | TrustedXml | Plain[] | Obj;
type Obj = { [key: string]: Plain };

/** A deep copy of JSON data as null-prototype objects. */
function bare(value: unknown): Plain {
  if (value === null || typeof value !== 'object') return value as Plain;
  if (Array.isArray(value)) return value.map(bare);
  const out = Object.create(null) as Record<string, Plain>;
  for (const [k, v] of Object.entries(value)) out[k] = bare(v);
  return out;
}

export function templateData(model: ReportModel, wml: Wml): Obj {
  const data = bare(JSON.parse(JSON.stringify(model))) as Obj;
  const [report, project, summary] = [data.report, data.project, data.summary] as Obj[];
  const markdown = (obj: Obj, key: string) => {
    const blocks = parseMarkdown(typeof obj[key] === 'string' ? (obj[key] as string) : null);
    obj[`${key}_text`] = blocksText(blocks);
    obj[`${key}_xml`] = new TrustedXml(wml.blocks(blocks));
  };
  for (const k of MARKDOWN_PROJECT_FIELDS) markdown(project!, k);
  report!.generated_date = model.report.generated_at.slice(0, 10);
  summary!.severities = SEVERITIES.map((s) => bare({ name: s, count: model.summary.by_severity[s], color: SEVERITY_COLORS[s] }));
  summary!.statuses = FINDING_STATUSES.map((s) => bare({ name: s, count: model.summary.by_status[s] }));
  (data.findings as Obj[]).forEach((f, i) => {
    const src = model.findings[i]!;
    for (const k of MARKDOWN_FINDING_FIELDS) markdown(f, k);
    f.index = i + 1;
    f.cvss_score_text = src.cvss_score === null ? '' : src.cvss_score.toFixed(1);
    f.severity_color = SEVERITY_COLORS[src.severity];
    f.cve_text = src.cve.join(', ');
    f.assets_text = src.assets.map((a) => a.name).join(', ');
    f.references_text = src.references.join('\n');
    f.tags_text = src.tags.join(', ');
  });
  (data.assets as Obj[]).forEach((a) => (a.description_text = a.description ?? ''));
  return data;
}

/** Markdown as plain text: blocks apart by a blank line, list items on lines of their own. */
export function blocksText(blocks: Block[], indent = ''): string {
  return blocks.map((b) => blockText(b, indent)).filter((s) => s !== '').join('\n\n');
}

function blockText(b: Block, indent: string): string {
  switch (b.type) {
    case 'paragraph':
    case 'heading':
      return indent + plainText(b.children);
    case 'code':
      return b.value.split('\n').map((l) => indent + l).join('\n');
    case 'blockquote':
      return blocksText(b.children, indent);
    case 'rule':
      return '';
    case 'table':
      return [b.header, ...b.rows].map((r) => indent + r.map(plainText).join(' | ')).join('\n');
    case 'list':
      return b.items
        .map((item, i) => {
          const mark = b.ordered ? `${b.start + i}. ` : '• ';
          const [first, ...rest] = item;
          const head = first ? blockText(first, '').trimStart() : '';
          const more = rest.map((c) => blockText(c, indent + '   ')).filter((s) => s !== '');
          return [indent + mark + head, ...more].join('\n');
        })
        .join('\n');
  }
}
