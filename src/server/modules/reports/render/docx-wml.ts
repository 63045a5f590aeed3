import type { Align, Block, Inline } from './markdown.js';
import { COLORS, EAST_ASIA_FONT, FONT, MONO_FONT, SIZES, xmlSafe } from './docx-theme.js';

/**
 * The Markdown node tree (markdown.ts) as WordprocessingML, written as text: one writer for the
 * built-in design's finding text and for the `{@…_xml}` variants that tenant templates insert.
 * Text is only ever XML-escaped character data; nothing in a finding becomes markup.
 *
 * Lists are real Word lists: each list is a `w:num` of its own (ordered ones restart with a
 * startOverride) over two abstract definitions, and links are `w:hyperlink`s with relationships;
 * `packageParts()` returns the numbering and relationship XML to add to the package
 * (docx-package.ts). With `styles`, paragraphs use the built-in design's styles (Code, Quote,
 * Heading 4–6); without, as in a tenant's template, which may not have them, the same look is
 * written as direct formatting.
 *
 * The serialised docx objects this replaces cost about 4 s CPU for 500 sample findings; this
 * writer takes a few per cent of that (see docx.test.ts for the budget).
 */

export const esc = (s: string): string => xmlSafe(s).replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));

const STEP = 567; // 1 cm: one level of list or quote indent
const HANG = 340;
const BULLETS = ['•', '◦', '▪'];
const ORDER_FORMATS = ['decimal', 'lowerLetter', 'lowerRoman'];

interface Ctx {
  depth: number;
  indent: number;
  quote: boolean;
  /** Width available for tables, in twips; undefined: the whole text width (pct). */
  width?: number;
}

interface Marks {
  b?: boolean;
  i?: boolean;
  strike?: boolean;
  code?: boolean;
  link?: boolean;
  quote?: boolean;
  /** Half-points; direct formatting only. */
  size?: number;
}

export interface WmlOptions {
  /** Use the built-in design's styles (docx-styles.ts) rather than direct formatting. */
  styles: boolean;
  /** First numId and abstractNumId to use: above every id the package already has. */
  numBase?: number;
  /** Text width in twips, for table widths (the built-in design knows it; templates use 100 %). */
  textWidth?: number;
  /**
   * `relationship`: `w:hyperlink` elements, whose relationships packageParts() returns for the main
   * document part. `field`: HYPERLINK fields, which need no relationship and so work in any part
   * (a template may put a raw tag in a header).
   */
  links?: 'relationship' | 'field';
}

export class Wml {
  private readonly links: string[] = [];
  private readonly lists: { ordered: boolean; start: number }[] = [];
  private readonly numBase: number;

  constructor(private readonly opts: WmlOptions) {
    this.numBase = opts.numBase ?? 1000;
  }

  /** The blocks of a Markdown tree, as body-level XML (paragraphs and tables). */
  blocks(blocks: Block[], ctx: Ctx = { depth: 0, indent: 0, quote: false, width: this.opts.textWidth }): string {
    let out = '';
    for (const b of blocks) out += this.block(b, ctx);
    return out;
  }

  private block(b: Block, ctx: Ctx): string {
    switch (b.type) {
      case 'paragraph':
        return this.p(this.frame(ctx), this.inlines(b.children, { quote: ctx.quote }));
      case 'heading':
        return this.heading(Math.min(6, 3 + b.level), b.children, ctx);
      case 'code':
        return this.code(b.value, ctx);
      case 'rule':
        return this.p(`<w:pBdr><w:bottom w:val="single" w:sz="6" w:space="1" w:color="${COLORS.rule}"/></w:pBdr>${ind(ctx.indent)}`, '');
      case 'blockquote':
        return this.blocks(b.children, { ...ctx, indent: ctx.indent + STEP, quote: true, width: ctx.width && ctx.width - STEP });
      case 'list':
        return this.list(b, ctx);
      case 'table':
        return this.table(b.header, b.rows, b.align, ctx);
    }
  }

  /** A heading of Markdown inside a finding: Heading 4–6, below the finding's own sections. */
  private heading(level: number, nodes: Inline[], ctx: Ctx): string {
    if (this.opts.styles) return this.p(`<w:pStyle w:val="Heading${level}"/>${ind(ctx.indent)}`, this.inlines(nodes, {}));
    const pPr = `<w:keepNext/><w:spacing w:before="200" w:after="120"/>${ind(ctx.indent)}<w:outlineLvl w:val="${level - 1}"/>`;
    return this.p(pPr, this.inlines(nodes, { b: true, size: level <= 4 ? SIZES.h4 : SIZES.body }));
  }

  private code(value: string, ctx: Ctx): string {
    const lines = value.replace(/\t/g, '    ').split('\n');
    const pPr = this.opts.styles
      ? `<w:pStyle w:val="Code"/>${ctx.indent ? ind(ctx.indent + 113) : ''}`
      : `<w:pBdr>${['top', 'left', 'bottom', 'right'].map((s) => `<w:${s} w:val="single" w:sz="4" w:space="4" w:color="${COLORS.codeBorder}"/>`).join('')}</w:pBdr>` +
        `<w:shd w:val="clear" w:color="auto" w:fill="${COLORS.codeFill}"/><w:spacing w:before="60" w:after="160" w:line="240" w:lineRule="auto"/>${ind(ctx.indent + 113, 113)}`;
    const rPr = this.opts.styles ? '' : `<w:rPr>${MONO}<w:sz w:val="${SIZES.code}"/></w:rPr>`;
    const runs = lines.map((line, i) => `<w:r>${rPr}${i > 0 ? '<w:br/>' : ''}<w:t xml:space="preserve">${esc(line)}</w:t></w:r>`).join('');
    return this.p(pPr, runs);
  }

  private list(b: Extract<Block, { type: 'list' }>, ctx: Ctx): string {
    const numId = this.numBase + this.lists.length;
    this.lists.push({ ordered: b.ordered, start: b.start });
    const ilvl = Math.min(8, ctx.depth);
    const inner: Ctx = { depth: ctx.depth + 1, indent: ctx.indent + STEP, quote: ctx.quote, width: ctx.width && ctx.width - STEP };
    // The item's own indent wins over its level's, so a list in a quote stays inside the quote.
    const pPr = `${ctx.quote ? this.quotePr() : ''}<w:numPr><w:ilvl w:val="${ilvl}"/><w:numId w:val="${numId}"/></w:numPr>${ctx.quote && !this.opts.styles ? quoteBorder() : ''}<w:spacing w:after="60"/>${ind(inner.indent, 0, HANG)}`;
    let out = '';
    for (const item of b.items) {
      const [first, ...rest] = item;
      if (first?.type === 'paragraph') out += this.p(pPr, this.inlines(first.children, { quote: ctx.quote }));
      else {
        out += this.p(pPr, '');
        if (first) out += this.block(first, inner);
      }
      for (const c of rest) out += this.block(c, inner);
    }
    return out;
  }

  private table(header: Inline[][], rows: Inline[][][], align: Align[], ctx: Ctx): string {
    const cols = Math.max(1, header.length);
    const width = ctx.width;
    const colW = width ? Math.floor(width / cols) : Math.floor(5000 / cols);
    const tblW = width ? `<w:tblW w:w="${width}" w:type="dxa"/>` : '<w:tblW w:w="5000" w:type="pct"/>';
    const border = (s: string, on: boolean) => (on ? `<w:${s} w:val="single" w:sz="4" w:space="0" w:color="${COLORS.rule}"/>` : `<w:${s} w:val="nil"/>`);
    const borders = `<w:tblBorders>${border('top', true)}${border('left', false)}${border('bottom', true)}${border('right', false)}${border('insideH', true)}${border('insideV', false)}</w:tblBorders>`;
    const gridW = width ? colW : Math.floor((this.opts.textWidth ?? 9000) / cols);
    const cell = (content: Inline[], k: number, head: boolean, stripe: boolean) => {
      const fill = head ? 'E5E7EB' : stripe ? COLORS.stripe : null;
      const tcPr = `<w:tcPr><w:tcW w:w="${colW}" w:type="${width ? 'dxa' : 'pct'}"/>${fill ? `<w:shd w:val="clear" w:color="auto" w:fill="${fill}"/>` : ''}</w:tcPr>`;
      const a = align[k];
      const pPr = `${this.opts.styles ? '<w:pStyle w:val="TableText"/>' : '<w:spacing w:before="40" w:after="40" w:line="240" w:lineRule="auto"/>'}${a && a !== 'left' ? `<w:jc w:val="${a}"/>` : ''}`;
      return `<w:tc>${tcPr}${this.p(pPr, this.inlines(content, { b: head, ...(this.opts.styles ? {} : { size: SIZES.small + 2 }) }))}</w:tc>`;
    };
    const tr = (cells: string, head: boolean) => `<w:tr><w:trPr><w:cantSplit/>${head ? '<w:tblHeader/>' : ''}</w:trPr>${cells}</w:tr>`;
    return (
      `<w:tbl><w:tblPr>${tblW}${ctx.indent ? `<w:tblInd w:w="${ctx.indent}" w:type="dxa"/>` : ''}${borders}<w:tblLayout w:type="fixed"/>` +
      `<w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr>` +
      `<w:tblGrid>${`<w:gridCol w:w="${gridW}"/>`.repeat(cols)}</w:tblGrid>` +
      tr(header.map((c, k) => cell(c, k, true, false)).join(''), true) +
      rows.map((r, i) => tr(r.map((c, k) => cell(c, k, false, i % 2 === 1)).join(''), false)).join('') +
      // A paragraph after every table: two tables in a row would otherwise be joined into one.
      '</w:tbl><w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr></w:p>'
    );
  }

  /** Inline nodes as runs. */
  inlines(nodes: Inline[], marks: Marks): string {
    let out = '';
    for (const n of nodes) {
      switch (n.type) {
        case 'text':
          out += this.run(n.value, marks);
          break;
        case 'code':
          out += this.run(n.value, { ...marks, code: true });
          break;
        case 'break':
          out += '<w:r><w:br/></w:r>';
          break;
        case 'strong':
          out += this.inlines(n.children, { ...marks, b: true });
          break;
        case 'em':
          out += this.inlines(n.children, { ...marks, i: true });
          break;
        case 'del':
          out += this.inlines(n.children, { ...marks, strike: true });
          break;
        case 'link':
          out += this.hyperlink(n.href, this.inlines(n.children, { ...marks, link: true }));
          break;
      }
    }
    return out;
  }

  /** A link to a web address: a `w:hyperlink` (its relationship in packageParts()) or a HYPERLINK field. */
  hyperlink(href: string, runs: string): string {
    if (this.opts.links === 'field') {
      // markdown-it has percent-encoded the address; quotes and backslashes would end the field's argument.
      const target = esc(href.replace(/["\\]/g, (c) => encodeURIComponent(c)));
      return `<w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> HYPERLINK "${target}" </w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>${runs}<w:r><w:fldChar w:fldCharType="end"/></w:r>`;
    }
    this.links.push(href);
    return `<w:hyperlink r:id="${LINK_PREFIX}${this.links.length}" w:history="1">${runs}</w:hyperlink>`;
  }

  /** A run; its properties in the schema's order (rStyle, rFonts, b, i, strike, color, sz, u, shd). */
  run(text: string, m: Marks): string {
    const direct = !this.opts.styles;
    let rPr = '';
    if (!direct && m.link) rPr += '<w:rStyle w:val="Hyperlink"/>';
    else if (!direct && m.code) rPr += '<w:rStyle w:val="CodeChar"/>';
    if (direct && m.code) rPr += MONO;
    if (m.b) rPr += '<w:b/>';
    if (m.i || (direct && m.quote)) rPr += '<w:i/>';
    if (m.strike) rPr += '<w:strike/>';
    if (direct && m.link) rPr += `<w:color w:val="${COLORS.link}"/>`;
    else if (direct && m.quote) rPr += `<w:color w:val="${COLORS.muted}"/>`;
    const size = direct && m.code ? SIZES.code : m.size;
    if (size) rPr += `<w:sz w:val="${size}"/>`;
    if (direct && m.link) rPr += '<w:u w:val="single"/>';
    if (direct && m.code) rPr += `<w:shd w:val="clear" w:color="auto" w:fill="${COLORS.codeFill}"/>`;
    return `<w:r>${rPr ? `<w:rPr>${rPr}</w:rPr>` : ''}<w:t xml:space="preserve">${esc(text)}</w:t></w:r>`;
  }

  p(pPr: string, runs: string): string {
    return `<w:p>${pPr ? `<w:pPr>${pPr}</w:pPr>` : ''}${runs}</w:p>`;
  }

  private quotePr(): string {
    return this.opts.styles ? '<w:pStyle w:val="Quote"/>' : '';
  }

  /** Paragraph properties for blocks here: the indent and, in a quote, its bar (pStyle first, then pBdr, then ind: schema order). */
  private frame(ctx: Ctx): string {
    if (!ctx.quote) return ind(ctx.indent);
    return `${this.quotePr()}${this.opts.styles ? '' : quoteBorder()}${ind(ctx.indent)}`;
  }

  /** What the package needs for the XML written so far: relationships and numbering definitions. */
  packageParts(): { relationships: string; abstractNums: string; nums: string } {
    const relationships = this.links
      .map((href, i) => `<Relationship Id="${LINK_PREFIX}${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink" Target="${esc(href)}" TargetMode="External"/>`)
      .join('');
    if (this.lists.length === 0) return { relationships, abstractNums: '', nums: '' };
    const bulletId = this.numBase;
    const orderedId = this.numBase + 1;
    const abstractNums = abstractNum(bulletId, false) + abstractNum(orderedId, true);
    const nums = this.lists
      .map((l, i) => {
        const overrides = l.ordered ? Array.from({ length: 9 }, (_, lvl) => `<w:lvlOverride w:ilvl="${lvl}"><w:startOverride w:val="${lvl === 0 ? l.start : 1}"/></w:lvlOverride>`).join('') : '';
        return `<w:num w:numId="${this.numBase + i}"><w:abstractNumId w:val="${l.ordered ? orderedId : bulletId}"/>${overrides}</w:num>`;
      })
      .join('');
    return { relationships, abstractNums, nums };
  }
}

export const LINK_PREFIX = 'rIdNeuroLink';
const MONO = `<w:rFonts w:ascii="${MONO_FONT}" w:hAnsi="${MONO_FONT}" w:cs="${MONO_FONT}" w:eastAsia="${EAST_ASIA_FONT}"/>`;

const quoteBorder = () => `<w:pBdr><w:left w:val="single" w:sz="18" w:space="8" w:color="${COLORS.quoteBar}"/></w:pBdr>`;

function ind(left: number, right = 0, hanging = 0): string {
  if (!left && !right && !hanging) return '';
  return `<w:ind w:left="${left}"${right ? ` w:right="${right}"` : ''}${hanging ? ` w:hanging="${hanging}"` : ''}/>`;
}

function abstractNum(id: number, ordered: boolean): string {
  const lvls = Array.from({ length: 9 }, (_, lvl) => {
    const fmt = ordered ? ORDER_FORMATS[lvl % 3]! : 'bullet';
    const text = ordered ? `%${lvl + 1}.` : BULLETS[lvl % 3]!;
    const font = ordered ? '' : `<w:rPr><w:rFonts w:ascii="${FONT}" w:hAnsi="${FONT}" w:hint="default"/></w:rPr>`;
    return `<w:lvl w:ilvl="${lvl}"><w:start w:val="1"/><w:numFmt w:val="${fmt}"/><w:lvlText w:val="${text}"/><w:lvlJc w:val="left"/><w:pPr><w:ind w:left="${STEP * (lvl + 1)}" w:hanging="${HANG}"/></w:pPr>${font}</w:lvl>`;
  }).join('');
  return `<w:abstractNum w:abstractNumId="${id}"><w:multiLevelType w:val="hybridMultilevel"/>${lvls}</w:abstractNum>`;
}
