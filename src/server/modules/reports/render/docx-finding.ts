import type { ReportFinding } from './model.js';
import { parseMarkdown } from './markdown.js';
import { esc, type Wml } from './docx-wml.js';
import { COLORS, severityFill } from './docx-theme.js';

/**
 * One finding of the built-in design, as WordprocessingML: its heading (Heading 2, bookmarked for
 * the TOC and the findings summary's links), a table of its facts, then its Markdown sections and
 * references. Written with the WML writer rather than docx objects for speed (docx-wml.ts).
 */

const SECTIONS = [
  ['Description', 'description'],
  ['Impact', 'impact'],
  ['Steps to reproduce', 'steps_to_reproduce'],
  ['Remediation', 'remediation'],
] as const;

/** Bookmark names: a letter first, then letters, digits and underscores, as Word wants them. */
export const findingAnchor = (i: number): string => `finding_${i + 1}`;
/** Bookmark ids far above the ones docx gives its own bookmarks. */
const BOOKMARK_BASE = 100_000;

const LABEL_W = 2000;

export function findingXml(wml: Wml, f: ReportFinding, i: number, textWidth: number): string {
  const id = BOOKMARK_BASE + i;
  const heading =
    `<w:p><w:pPr><w:pStyle w:val="Heading2"/>${i === 0 ? '<w:pageBreakBefore/>' : ''}</w:pPr>` +
    `<w:bookmarkStart w:id="${id}" w:name="${findingAnchor(i)}"/>${wml.run(`${f.ref}  `, {})}${wml.run(f.title, {})}<w:bookmarkEnd w:id="${id}"/></w:p>`;

  const badge = `<w:r><w:rPr><w:b/><w:color w:val="FFFFFF"/><w:shd w:val="clear" w:color="auto" w:fill="${severityFill(f.severity)}"/></w:rPr><w:t xml:space="preserve">\u00a0${esc(f.severity)}\u00a0</w:t></w:r>`;
  const cvss =
    f.cvss_score === null && !f.cvss_vector
      ? wml.run('—', {})
      : (f.cvss_score === null ? '' : wml.run(f.cvss_score.toFixed(1), { b: true })) + (f.cvss_vector ? wml.run('  ', {}) + wml.run(f.cvss_vector, { code: true }) : '');
  const rows: [string, string][] = [
    ['Severity', badge],
    ['CVSS', cvss],
    ['CWE', wml.run(f.cwe ?? '—', {})],
    ['CVE', wml.run(f.cve.length ? f.cve.join(', ') : '—', {})],
    ['Status', wml.run(f.status, {})],
    ['Affected assets', wml.run(f.assets.length ? f.assets.map((a) => `${a.name} (${a.type})`).join(', ') : '—', {})],
  ];
  let out = heading + factsTable(wml, rows, textWidth);

  for (const [title, key] of SECTIONS) {
    const blocks = parseMarkdown(f[key]);
    if (blocks.length === 0) continue;
    out += sectionHeading(wml, title) + wml.blocks(blocks);
  }
  if (f.references.length) {
    out += sectionHeading(wml, 'References');
    out += wml.blocks([
      {
        type: 'list',
        ordered: false,
        start: 1,
        items: f.references.map((r) => {
          const href = r.trim();
          const text = { type: 'text' as const, value: r };
          return [{ type: 'paragraph' as const, children: [/^(https?:|mailto:)/i.test(href) ? { type: 'link' as const, href, children: [text] } : text] }];
        }),
      },
    ]);
  }
  return out;
}

const sectionHeading = (wml: Wml, title: string) => wml.p('<w:pStyle w:val="Heading3"/>', wml.run(title, {}));

function factsTable(wml: Wml, rows: [string, string][], textWidth: number): string {
  const valueW = textWidth - LABEL_W;
  const rule = `w:val="single" w:sz="4" w:space="0" w:color="${COLORS.rule}"`;
  const cell = (w: number, runs: string, fill?: string) =>
    `<w:tc><w:tcPr><w:tcW w:w="${w}" w:type="dxa"/>${fill ? `<w:shd w:val="clear" w:color="auto" w:fill="${fill}"/>` : ''}<w:vAlign w:val="center"/></w:tcPr>${wml.p('<w:pStyle w:val="TableText"/>', runs)}</w:tc>`;
  return (
    `<w:tbl><w:tblPr><w:tblW w:w="${textWidth}" w:type="dxa"/><w:tblBorders><w:top ${rule}/><w:left w:val="nil"/><w:bottom ${rule}/><w:right w:val="nil"/><w:insideH ${rule}/><w:insideV w:val="nil"/></w:tblBorders>` +
    `<w:tblLayout w:type="fixed"/><w:tblLook w:val="0000" w:firstRow="0" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr>` +
    `<w:tblGrid><w:gridCol w:w="${LABEL_W}"/><w:gridCol w:w="${valueW}"/></w:tblGrid>` +
    rows.map(([label, value]) => `<w:tr><w:trPr><w:cantSplit/></w:trPr>${cell(LABEL_W, wml.run(label, { b: true }), COLORS.stripe)}${cell(valueW, value)}</w:tr>`).join('') +
    '</w:tbl><w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr></w:p>'
  );
}

/**
 * The findings summary table: ref, title (a link to the finding), severity badge, CVSS, status, with
 * a header row in the accent colour that repeats on every page. WML rather than docx objects: for
 * 500 findings it is 2,500 cells.
 */
export function findingsSummaryXml(wml: Wml, findings: ReportFinding[], accent: string, textWidth: number): string {
  const w = [900, textWidth - 900 - 1300 - 800 - 1500, 1300, 800, 1500];
  const rule = `w:val="single" w:sz="4" w:space="0" w:color="${COLORS.rule}"`;
  const cell = (k: number, runs: string, opts: { fill?: string; center?: boolean } = {}) =>
    `<w:tc><w:tcPr><w:tcW w:w="${w[k]}" w:type="dxa"/>${opts.fill ? `<w:shd w:val="clear" w:color="auto" w:fill="${opts.fill}"/>` : ''}<w:vAlign w:val="center"/></w:tcPr>` +
    wml.p(`<w:pStyle w:val="TableText"/>${opts.center ? '<w:jc w:val="center"/>' : ''}`, runs) + '</w:tc>';
  const white = (s: string) => `<w:r><w:rPr><w:b/><w:color w:val="FFFFFF"/></w:rPr><w:t xml:space="preserve">${esc(s)}</w:t></w:r>`;
  const header = ['Ref', 'Title', 'Severity', 'CVSS', 'Status'].map((h, k) => cell(k, white(h), { fill: accent })).join('');
  const rows = findings.map((f, i) =>
    '<w:tr><w:trPr><w:cantSplit/></w:trPr>' +
    cell(0, wml.run(f.ref, {})) +
    cell(1, `<w:hyperlink w:anchor="${findingAnchor(i)}" w:history="1">${wml.run(f.title, { link: true })}</w:hyperlink>`) +
    cell(2, white(f.severity), { fill: severityFill(f.severity), center: true }) +
    cell(3, wml.run(f.cvss_score === null ? '—' : f.cvss_score.toFixed(1), {})) +
    cell(4, wml.run(f.status, {})) +
    '</w:tr>',
  );
  return (
    `<w:tbl><w:tblPr><w:tblW w:w="${textWidth}" w:type="dxa"/><w:tblBorders><w:top ${rule}/><w:left w:val="nil"/><w:bottom ${rule}/><w:right w:val="nil"/><w:insideH ${rule}/><w:insideV w:val="nil"/></w:tblBorders>` +
    `<w:tblLayout w:type="fixed"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr>` +
    `<w:tblGrid>${w.map((x) => `<w:gridCol w:w="${x}"/>`).join('')}</w:tblGrid>` +
    `<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>${header}</w:tr>${rows.join('')}` +
    '</w:tbl><w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr></w:p>'
  );
}
