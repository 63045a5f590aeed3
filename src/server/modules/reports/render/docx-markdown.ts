import {
  AlignmentType,
  BorderStyle,
  ExternalHyperlink,
  type INumberingOptions,
  type IRunOptions,
  LevelFormat,
  Paragraph,
  type ParagraphChild,
  ShadingType,
  Table,
  TableCell,
  TableOfContents,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import type { Align, Block, Inline } from './markdown.js';
import { COLORS, xmlSafe } from './docx-theme.js';
import { TABLE_BORDERS } from './docx-styles.js';

/**
 * The Markdown node tree (markdown.ts) as docx paragraphs and tables: headings as Word heading
 * styles, lists with real Word numbering (one numbering instance per list, so ordered lists restart),
 * code in the Code style, block quotes indented behind a left bar, links as hyperlinks, tables with a
 * repeating header row. Text only ever becomes text runs: nothing in a finding is markup here.
 */

export type BodyChild = Paragraph | Table | TableOfContents;

/** Text width of the page (A4, 2 cm margins) in twips; tables are laid out on it. */
export const TEXT_WIDTH = 11906 - 2 * 1134;
const STEP = 567; // 1 cm: one level of list or quote indent
const HANG = 340;

/** Markdown `#` inside a finding is a level below the finding's own sections (Heading 3), so out of the TOC. */
const HEADING_BASE = 3;
const HEADINGS = ['Heading1', 'Heading2', 'Heading3', 'Heading4', 'Heading5', 'Heading6'] as const;

export const BULLET = 'md-bullet';
export const ORDERED = 'md-ordered';
const BULLETS = ['•', '◦', '▪'];
const ORDER_FORMATS = [LevelFormat.DECIMAL, LevelFormat.LOWER_LETTER, LevelFormat.LOWER_ROMAN];

function levels(ordered: boolean, start = 1) {
  return Array.from({ length: 9 }, (_, level) => ({
    level,
    format: ordered ? ORDER_FORMATS[level % 3]! : LevelFormat.BULLET,
    text: ordered ? `%${level + 1}.` : BULLETS[level % 3]!,
    start: level === 0 ? start : 1,
    alignment: AlignmentType.LEFT,
    style: { paragraph: { indent: { left: STEP * (level + 1), hanging: HANG } } },
  }));
}

interface Ctx {
  /** List nesting: the Word numbering level of a list opened here. */
  depth: number;
  /** Left indent in twips that blocks here start at (lists and quotes). */
  indent: number;
  quote: boolean;
}

interface Marks {
  bold?: boolean;
  italics?: boolean;
  strike?: boolean;
  code?: boolean;
  link?: boolean;
}

/**
 * One per document: it hands out a numbering instance per list and collects the numbering
 * definitions (one for each ordered list start other than 1) that the Document is built with.
 */
export class MarkdownDocx {
  private instance = 0;
  private starts = new Set<number>();

  numbering(): INumberingOptions {
    return {
      config: [
        { reference: BULLET, levels: levels(false) },
        { reference: ORDERED, levels: levels(true) },
        ...[...this.starts].map((s) => ({ reference: `${ORDERED}-${s}`, levels: levels(true, s) })),
      ],
    };
  }

  /** A new list: paragraphs with the same instance number as one another, and from 1. */
  nextInstance(): number {
    return this.instance++;
  }

  blocks(blocks: Block[], ctx: Ctx = { depth: 0, indent: 0, quote: false }): BodyChild[] {
    const out: BodyChild[] = [];
    for (const b of blocks) this.block(b, ctx, out);
    return out;
  }

  private block(b: Block, ctx: Ctx, out: BodyChild[]): void {
    switch (b.type) {
      case 'paragraph':
        out.push(this.para(runs(b.children), ctx));
        break;
      case 'heading':
        out.push(new Paragraph({ heading: HEADINGS[Math.min(5, HEADING_BASE + b.level - 1)], children: runs(b.children), ...this.frame(ctx) }));
        break;
      case 'code':
        out.push(codeBlock(b.value, ctx.indent));
        break;
      case 'rule':
        out.push(new Paragraph({ border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: COLORS.rule, space: 1 } }, ...this.frame(ctx) }));
        break;
      case 'blockquote':
        for (const c of b.children) this.block(c, { ...ctx, indent: ctx.indent + STEP, quote: true }, out);
        break;
      case 'list':
        this.list(b, ctx, out);
        break;
      case 'table':
        out.push(table(b.header, b.rows, b.align, ctx.indent));
        break;
    }
  }

  private list(b: Extract<Block, { type: 'list' }>, ctx: Ctx, out: BodyChild[]): void {
    let reference = b.ordered ? ORDERED : BULLET;
    if (b.ordered && b.start !== 1) {
      this.starts.add(b.start);
      reference = `${ORDERED}-${b.start}`;
    }
    const numbering = { reference, level: Math.min(8, ctx.depth), instance: this.nextInstance() };
    // The item's own indent wins over its level's, so a list in a quote stays inside the quote.
    const inner: Ctx = { depth: ctx.depth + 1, indent: ctx.indent + STEP, quote: ctx.quote };
    const itemFrame = { indent: { left: inner.indent, hanging: HANG }, ...(ctx.quote ? { style: 'Quote' } : {}) };
    for (const item of b.items) {
      const [first, ...rest] = item;
      if (first?.type === 'paragraph') out.push(new Paragraph({ children: runs(first.children), numbering, ...itemFrame }));
      else {
        out.push(new Paragraph({ numbering, ...itemFrame }));
        if (first) this.block(first, inner, out);
      }
      for (const c of rest) this.block(c, inner, out);
    }
  }

  private para(children: ParagraphChild[], ctx: Ctx): Paragraph {
    return new Paragraph({ children, ...this.frame(ctx) });
  }

  /** Indent and, in a quote, the Quote style (a bar on the left, grey italics). */
  private frame(ctx: Ctx) {
    return { ...(ctx.indent ? { indent: { left: ctx.indent } } : {}), ...(ctx.quote ? { style: 'Quote' } : {}) };
  }
}

export function runs(nodes: Inline[], marks: Marks = {}): ParagraphChild[] {
  const out: ParagraphChild[] = [];
  for (const n of nodes) {
    switch (n.type) {
      case 'text':
        out.push(new TextRun(runOptions(n.value, marks)));
        break;
      case 'code':
        out.push(new TextRun(runOptions(n.value, { ...marks, code: true })));
        break;
      case 'break':
        out.push(new TextRun({ break: 1 }));
        break;
      case 'strong':
        out.push(...runs(n.children, { ...marks, bold: true }));
        break;
      case 'em':
        out.push(...runs(n.children, { ...marks, italics: true }));
        break;
      case 'del':
        out.push(...runs(n.children, { ...marks, strike: true }));
        break;
      case 'link':
        out.push(new ExternalHyperlink({ link: n.href, children: runs(n.children, { ...marks, link: true }) as TextRun[] }));
        break;
    }
  }
  return out;
}

function runOptions(text: string, m: Marks): IRunOptions {
  return {
    text: xmlSafe(text),
    ...(m.bold ? { bold: true } : {}),
    ...(m.italics ? { italics: true } : {}),
    ...(m.strike ? { strike: true } : {}),
    ...(m.link ? { style: 'Hyperlink' } : {}),
    ...(m.code ? { style: 'CodeChar' } : {}),
  };
}

/** A code block: one shaded paragraph, a line break per line, so it stays one box. */
export function codeBlock(value: string, indent = 0): Paragraph {
  const lines = xmlSafe(value).replace(/\t/g, '    ').split('\n');
  return new Paragraph({
    style: 'Code',
    ...(indent ? { indent: { left: indent + 113 } } : {}),
    children: lines.map((line, i) => new TextRun({ text: line, ...(i > 0 ? { break: 1 } : {}) })),
  });
}

const ALIGN = { left: AlignmentType.LEFT, center: AlignmentType.CENTER, right: AlignmentType.RIGHT } as const;

function table(header: Inline[][], rows: Inline[][][], align: Align[], indent: number): Table {
  const width = TEXT_WIDTH - indent;
  const cols = Math.max(1, header.length);
  const colW = Math.floor(width / cols);
  const cell = (content: Inline[], k: number, head: boolean, stripe: boolean) =>
    new TableCell({
      children: [new Paragraph({ style: 'TableText', alignment: ALIGN[align[k] ?? 'left'], children: runs(content, head ? { bold: true } : {}) })],
      width: { size: colW, type: WidthType.DXA },
      ...(head ? { shading: { type: ShadingType.CLEAR, fill: 'E5E7EB', color: 'auto' } } : stripe ? { shading: { type: ShadingType.CLEAR, fill: COLORS.stripe, color: 'auto' } } : {}),
    });
  return new Table({
    borders: TABLE_BORDERS,
    width: { size: width, type: WidthType.DXA },
    columnWidths: Array.from({ length: cols }, () => colW),
    ...(indent ? { indent: { size: indent, type: WidthType.DXA } } : {}),
    rows: [
      new TableRow({ tableHeader: true, cantSplit: true, children: header.map((c, k) => cell(c, k, true, false)) }),
      ...rows.map((r, i) => new TableRow({ cantSplit: true, children: r.map((c, k) => cell(c, k, false, i % 2 === 1)) })),
    ],
  });
}

