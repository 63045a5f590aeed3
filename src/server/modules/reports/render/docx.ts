import { AlignmentType, BorderStyle, Document, Footer, Header, Packer, PageNumber, Paragraph, TabStopType, TextRun } from 'docx';
import type { Renderer } from './index.js';
import { severityChartSvg } from './chart.js';
import { contents, cover, documentControl, executiveSummary, findingsSummary, logoPicture, markdownVia, scopeAndAssets, Splice, TEXT_WIDTH, Toc, type BodyChild, type Picture } from './docx-sections.js';
import { findingAnchor, findingXml } from './docx-finding.js';
import { addWmlParts, spliceBlocks, text, type Parts } from './docx-package.js';
import { Wml } from './docx-wml.js';
import { readZip, writeZip } from './zip.js';
import { docxStyles } from './docx-styles.js';
import { accentOf, COLORS, xmlSafe } from './docx-theme.js';
import { pngSize, svgToPng } from './svg-raster.js';

/**
 * The built-in DOCX design, written with the `docx` library: A4, a cover without header or footer,
 * then a header with the title and classification and a footer with the branding's footer text and
 * "Page X of Y" (PAGE and NUMPAGES fields). The TOC is a real TOC field over Heading 1–3; docx fills
 * it with the headings (without page numbers) and marks it dirty, and `updateFields` makes Word
 * offer to update it, and so every field, when the document is opened.
 */
export const renderDocx: Renderer = async (job, progress) => {
  const m = job.model;
  const accent = accentOf(m.branding.accent_color);
  const wml = new Wml({ styles: true, textWidth: TEXT_WIDTH });
  const splice = new Splice();
  const md = markdownVia(wml, splice);
  progress(5);

  const chartSvg = severityChartSvg(m.summary.by_severity);
  const raster = svgToPng(chartSvg, { trusted: true });
  const chart: Picture = { svg: Buffer.from(chartSvg), png: raster.png, width: raster.width, height: raster.height };
  const logo = logoPicture(job.assets.logo, (svg) => svgToPng(svg), pngSize);
  progress(10);

  const toc = new Toc();
  const front = [...cover(m, logo, accent), ...documentControl(toc, m, accent)];
  const body: BodyChild[] = [
    ...executiveSummary(toc, m, md, chart, accent),
    ...scopeAndAssets(toc, m, md, accent),
    ...findingsSummary(toc, m, accent, (xml) => splice.at(xml), wml),
  ];
  const n = m.findings.length;
  const step = Math.max(1, Math.ceil(n / 4));
  const findings: string[] = [];
  m.findings.forEach((f, i) => {
    toc.entries.push({ title: xmlSafe(`${f.ref}  ${f.title}`), level: 2, href: findingAnchor(i) });
    findings.push(findingXml(wml, f, i, TEXT_WIDTH));
    if ((i + 1) % step === 0) progress(10 + Math.round((40 * (i + 1)) / n));
  });
  if (n) body.push(splice.at(findings.join('')));
  progress(50);

  const classification = xmlSafe(m.report.classification ?? '');
  const small = { size: 16, color: COLORS.muted };
  const rightTab = [{ type: TabStopType.RIGHT, position: TEXT_WIDTH }];
  const doc = new Document({
    creator: m.report.author?.name ?? m.branding.company_name ?? 'NEURO',
    title: xmlSafe(m.report.title),
    subject: xmlSafe(m.project.name),
    description: `${m.report.title} ${m.report.version}`,
    features: { updateFields: true },
    styles: docxStyles(accent),
    sections: [
      {
        properties: {
          titlePage: true,
          page: { size: { width: 11906, height: 16838 }, margin: { top: 1134, bottom: 1134, left: 1134, right: 1134, header: 567, footer: 567 } },
        },
        headers: {
          first: new Header({ children: [new Paragraph({ alignment: AlignmentType.RIGHT, children: [new TextRun({ text: classification.toUpperCase(), bold: true, ...small, color: accent })] })] }),
          default: new Header({
            children: [
              new Paragraph({
                tabStops: rightTab,
                border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: accent, space: 4 } },
                children: [new TextRun({ text: xmlSafe(m.report.title), ...small }), new TextRun({ text: `\t${classification.toUpperCase()}`, bold: true, ...small, color: accent })],
              }),
            ],
          }),
        },
        footers: {
          first: new Footer({ children: [new Paragraph({ children: [new TextRun({ text: xmlSafe(m.branding.footer_text ?? ''), ...small })] })] }),
          default: new Footer({
            children: [
              new Paragraph({
                tabStops: rightTab,
                border: { top: { style: BorderStyle.SINGLE, size: 4, color: COLORS.rule, space: 4 } },
                children: [
                  new TextRun({ text: xmlSafe(m.branding.footer_text ?? m.branding.company_name ?? ''), ...small }),
                  new TextRun({ children: ['\tPage ', PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES], ...small }),
                ],
              }),
            ],
          }),
        },
        children: [...front, ...contents(toc), ...body],
      },
    ],
  });
  progress(55);
  const packed = await Packer.toBuffer(doc);
  progress(80);
  // docx wrote placeholders where the WML writer's XML goes: put it there, with its links and lists.
  const parts: Parts = readZip(packed, { maxTotal: Number.MAX_SAFE_INTEGER, maxEntries: 10_000 });
  parts.set('word/document.xml', spliceBlocks(text(parts, 'word/document.xml')!, splice.token, splice.chunks));
  addWmlParts(parts, wml);
  const out = writeZip([...parts]);
  progress(100);
  return out;
};

