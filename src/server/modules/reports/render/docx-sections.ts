import { randomUUID } from 'node:crypto';
import {
  AlignmentType,
  Bookmark,
  BorderStyle,
  HeadingLevel,
  ImageRun,
  Paragraph,
  type ParagraphChild,
  ShadingType,
  Table,
  TableCell,
  TableOfContents,
  TableRow,
  TextRun,
  VerticalAlign,
  WidthType,
} from 'docx';
import { FINDING_STATUSES, SEVERITIES, type Severity } from '../../../lib/severity.js';
import type { RenderAssets, ReportModel } from './model.js';
import { parseMarkdown } from './markdown.js';
import type { Wml } from './docx-wml.js';
import { findingsSummaryXml } from './docx-finding.js';
import { NO_BORDERS, TABLE_BORDERS } from './docx-styles.js';
import { COLORS, severityFill, xmlSafe } from './docx-theme.js';
import type { Raster } from './svg-raster.js';

export type BodyChild = Paragraph | Table | TableOfContents;

/** Text width of the page (A4, 2 cm margins) in twips; tables are laid out on it. */
export const TEXT_WIDTH = 11906 - 2 * 1134;

/**
 * XML from the WML writer, put where docx writes a placeholder paragraph (docx-package.ts
 * spliceBlocks). The token is random per render, so no text in a report can forge a placeholder.
 */
export class Splice {
  readonly token = `NEURO${randomUUID().replace(/-/g, '')}X`;
  readonly chunks: string[] = [];

  at(xml: string): Paragraph {
    this.chunks.push(xml);
    return new Paragraph({ children: [new TextRun(`${this.token}${this.chunks.length - 1}.`)] });
  }
}

/**
 * The parts of the built-in design, in document order: cover, document control, contents,
 * executive summary, scope and assets, findings summary, then every finding.
 */

/** Markdown as body children: one placeholder paragraph for the WML writer's XML, or none. */
export type Markdown = (text: string | null | undefined) => BodyChild[];

export function markdownVia(wml: Wml, splice: Splice): Markdown {
  return (text) => {
    const blocks = parseMarkdown(text);
    return blocks.length ? [splice.at(wml.blocks(blocks))] : [];
  };
}

export interface Picture {
  svg?: Buffer;
  png: Buffer;
  /** Size in the document, in pixels at 96 dpi. */
  width: number;
  height: number;
}

const t = (text: string | null | undefined, opts: Record<string, unknown> = {}) => new TextRun({ text: xmlSafe(text ?? ''), ...opts });
const para = (text: string | null | undefined, opts: Record<string, unknown> = {}, run: Record<string, unknown> = {}) => new Paragraph({ ...opts, children: [t(text, run)] });
const day = (iso: string | null | undefined) => (iso ? iso.slice(0, 10) : '—');
const dash = (s: string | null | undefined) => (s && s.trim() !== '' ? s : '—');

export const imageRun = (pic: Picture, alt: string) =>
  new ImageRun({
    ...(pic.svg ? { type: 'svg' as const, data: pic.svg, fallback: { type: 'png' as const, data: pic.png } } : { type: 'png' as const, data: pic.png }),
    transformation: { width: pic.width, height: pic.height },
    altText: { name: alt, description: alt, title: alt },
  });

/** The logo at most 200 × 80 px, keeping its proportions. */
export function logoPicture(logo: RenderAssets['logo'], raster: (svg: string) => Raster, pngSize: (b: Buffer) => { width: number; height: number } | undefined): Picture | undefined {
  if (!logo) return undefined;
  let pic: Picture;
  if (logo.type === 'svg') {
    const r = raster(logo.data.toString('utf8'));
    pic = { svg: logo.data, png: r.png, width: r.width, height: r.height };
  } else {
    const size = pngSize(logo.data);
    if (!size) throw new Error('The logo is not a PNG image');
    pic = { png: logo.data, ...size };
  }
  const k = Math.min(1, 200 / pic.width, 80 / pic.height);
  return { ...pic, width: Math.max(1, Math.round(pic.width * k)), height: Math.max(1, Math.round(pic.height * k)) };
}

/**
 * The TOC's entries, written with the document (docx would otherwise scan every paragraph for
 * headings, a second or so for 500 findings); Word rebuilds them when it updates the field.
 * Levels 1–2: the sections and the findings, not each finding's subsections.
 */
export class Toc {
  readonly entries: { title: string; level: number; href: string }[] = [];

  heading(level: 1 | 2, title: string, opts: { pageBreakBefore?: boolean; prefix?: string; id?: string } = {}): Paragraph {
    const id = opts.id ?? `section_${this.entries.length + 1}`;
    const text = `${opts.prefix ?? ''}${title}`;
    this.entries.push({ title: xmlSafe(text), level, href: id });
    return new Paragraph({
      heading: level === 1 ? HeadingLevel.HEADING_1 : HeadingLevel.HEADING_2,
      ...(opts.pageBreakBefore ? { pageBreakBefore: true } : {}),
      children: [new Bookmark({ id, children: [t(text)] })],
    });
  }
}

export function badgeCell(s: Severity, width: number): TableCell {
  return new TableCell({
    width: { size: width, type: WidthType.DXA },
    verticalAlign: VerticalAlign.CENTER,
    shading: { type: ShadingType.CLEAR, fill: severityFill(s), color: 'auto' },
    children: [para(s, { style: 'TableText', alignment: AlignmentType.CENTER }, { bold: true, color: 'FFFFFF' })],
  });
}

/** The severity as an inline badge: white bold text on its colour. */
export const badgeRun = (s: Severity) => t(`\u00a0${s}\u00a0`, { bold: true, color: 'FFFFFF', shading: { type: ShadingType.CLEAR, fill: severityFill(s), color: 'auto' } });

const cell = (children: ParagraphChild[] | Paragraph[], width: number, opts: { head?: string; label?: boolean } = {}) =>
  new TableCell({
    width: { size: width, type: WidthType.DXA },
    verticalAlign: VerticalAlign.CENTER,
    ...(opts.head ? { shading: { type: ShadingType.CLEAR, fill: opts.head, color: 'auto' } } : {}),
    children: children[0] instanceof Paragraph ? (children as Paragraph[]) : [new Paragraph({ style: opts.label ? 'Label' : 'TableText', children: children as ParagraphChild[] })],
  });

function grid(header: string[], widths: number[], rows: TableCell[][], accent: string): Table {
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: widths,
    borders: TABLE_BORDERS,
    rows: [
      new TableRow({ tableHeader: true, cantSplit: true, children: header.map((h, k) => cell([t(h, { bold: true, color: 'FFFFFF' })], widths[k]!, { head: accent })) }),
      ...rows.map((r) => new TableRow({ cantSplit: true, children: r })),
    ],
  });
}

/** Label/value rows without rules: the cover's and each finding's facts. */
function facts(rows: [string, ParagraphChild[] | TableCell][], labelW: number, borders = NO_BORDERS): Table {
  const valueW = TEXT_WIDTH - labelW;
  return new Table({
    width: { size: TEXT_WIDTH, type: WidthType.DXA },
    columnWidths: [labelW, valueW],
    borders,
    rows: rows.map(([label, value]) => new TableRow({ cantSplit: true, children: [cell([t(label)], labelW, { label: true }), value instanceof TableCell ? value : cell(value, valueW)] })),
  });
}

export function cover(m: ReportModel, logo: Picture | undefined, accent: string): BodyChild[] {
  const period = m.project.start_date || m.project.end_date ? `${day(m.project.start_date)} – ${day(m.project.end_date)}` : '—';
  return [
    new Paragraph({ alignment: AlignmentType.RIGHT, spacing: { after: 1200 }, children: logo ? [imageRun(logo, `${m.branding.company_name ?? 'Company'} logo`)] : [] }),
    para(m.branding.company_name, { style: 'CoverMeta', spacing: { after: 120 } }, { bold: true, color: accent, allCaps: true, characterSpacing: 20 }),
    para(m.report.title, { heading: HeadingLevel.TITLE, spacing: { after: 200 } }),
    para(m.project.name, { style: 'Subtitle' }),
    para(m.client ? `Prepared for ${m.client.name}` : null, { style: 'CoverMeta', border: { bottom: { style: BorderStyle.SINGLE, size: 12, color: accent, space: 12 } }, spacing: { after: 600 } }),
    facts(
      [
        ['Client', [t(m.client?.name ?? '—')]],
        ['Project', [t(m.project.name)]],
        ['Testing period', [t(period)]],
        ['Version', [t(m.report.version)]],
        ['Date', [t(day(m.report.generated_at))]],
        ['Author', [t(m.report.author?.name ?? '—')]],
        ['Classification', [t(m.report.classification ?? 'Unclassified', { bold: true })]],
      ],
      2400,
    ),
  ];
}

export function documentControl(toc: Toc, m: ReportModel, accent: string): BodyChild[] {
  const w = [1300, 1700, 2200, 1100, TEXT_WIDTH - 6300];
  const rows = m.document_control.map((v) => [v.version, v.date, v.author ?? '—', v.format.toUpperCase(), v.title].map((s, k) => cell([t(s)], w[k]!)));
  const contact = m.client?.contact_name ? `${m.client.contact_name}${m.client.contact_email ? ` <${m.client.contact_email}>` : ''}` : '—';
  return [
    toc.heading(1, 'Document control', { pageBreakBefore: true }),
    facts(
      [
        ['Document', [t(m.report.title)]],
        ['Version', [t(m.report.version)]],
        ['Classification', [t(m.report.classification ?? 'Unclassified')]],
        ['Author', [t(m.report.author ? `${m.report.author.name}${m.report.author.email ? ` <${m.report.author.email}>` : ''}` : '—')]],
        ['Client contact', [t(contact)]],
        ['Generated', [t(m.report.generated_at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))]],
      ],
      2400,
      TABLE_BORDERS,
    ),
    new Paragraph({ heading: HeadingLevel.HEADING_3, children: [t('Version history')] }),
    grid(['Version', 'Date', 'Author', 'Format', 'Title'], w, rows, accent),
  ];
}

export function contents(toc: Toc): BodyChild[] {
  return [
    para('Contents', { style: 'TOCHeading', pageBreakBefore: true }),
    new TableOfContents('Contents', { hyperlink: true, headingStyleRange: '1-2', cachedEntries: toc.entries }),
  ];
}

export function executiveSummary(toc: Toc, m: ReportModel, md: Markdown, chart: Picture, accent: string): BodyChild[] {
  const s = m.summary;
  const counted = SEVERITIES.filter((x) => s.by_severity[x] > 0).map((x) => `${s.by_severity[x]} ${x.toLowerCase()}`);
  const sentence = s.total === 0
    ? 'The assessment found no findings within the scope of this report.'
    : `The assessment found ${s.total} finding${s.total === 1 ? '' : 's'}: ${counted.join(', ')}.`;
  const covers = `This report covers findings of severity ${m.include.severities.join(', ')} with status ${m.include.statuses.join(', ')}.`;
  const half = Math.floor(TEXT_WIDTH / 2);
  const sevW = [half - 1500, 1500];
  const staW = [half - 1500, 1500];
  const statuses = FINDING_STATUSES.filter((x) => m.include.statuses.includes(x) || s.by_status[x] > 0);
  return [
    toc.heading(1, 'Executive summary', { pageBreakBefore: true }),
    ...md(m.project.description),
    para(sentence),
    para(covers, {}, { color: COLORS.muted }),
    new Paragraph({ alignment: AlignmentType.CENTER, spacing: { before: 200, after: 60 }, children: [imageRun(chart, 'Findings by severity')] }),
    para('Figure 1: Findings by severity', { style: 'Caption', alignment: AlignmentType.CENTER }),
    new Paragraph({ heading: HeadingLevel.HEADING_3, children: [t('By severity')] }),
    grid(['Severity', 'Findings'], [sevW[0]!, sevW[1]! + half], SEVERITIES.map((x) => [badgeCell(x, sevW[0]!), cell([t(String(s.by_severity[x]))], sevW[1]! + half)]), accent),
    new Paragraph({ heading: HeadingLevel.HEADING_3, children: [t('By status')] }),
    grid(['Status', 'Findings'], [staW[0]!, staW[1]! + half], statuses.map((x) => [cell([t(x)], staW[0]!), cell([t(String(s.by_status[x]))], staW[1]! + half)]), accent),
  ];
}

export function scopeAndAssets(toc: Toc, m: ReportModel, md: Markdown, accent: string): BodyChild[] {
  const w = [2600, 1200, TEXT_WIDTH - 5000, 1200];
  const scope = md(m.project.scope);
  return [
    toc.heading(1, 'Scope and assets', { pageBreakBefore: true }),
    ...(scope.length ? scope : [para('No scope was recorded for this project.', {}, { color: COLORS.muted })]),
    new Paragraph({ heading: HeadingLevel.HEADING_3, children: [t('Assets')] }),
    m.assets.length === 0
      ? para('No assets are recorded for this project.', {}, { color: COLORS.muted })
      : grid(['Asset', 'Type', 'Description', 'Findings'], w, m.assets.map((a) => [a.name, a.type, dash(a.description), String(a.finding_count)].map((x, k) => cell([t(x)], w[k]!))), accent),
  ];
}

export function findingsSummary(toc: Toc, m: ReportModel, accent: string, table: (xml: string) => Paragraph, wml: Wml): BodyChild[] {
  return [
    toc.heading(1, 'Findings summary', { pageBreakBefore: true }),
    m.findings.length === 0 ? para('There are no findings in this report.') : table(findingsSummaryXml(wml, m.findings, accent, TEXT_WIDTH)),
  ];
}
