import { AlignmentType, BorderStyle, Document, Footer, Header, Packer, PageNumber, Paragraph, TabStopType, TextRun } from 'docx';
import type { Renderer } from './index.js';
import { severityChartSvg } from './chart.js';
import { MarkdownDocx, TEXT_WIDTH, type BodyChild } from './docx-markdown.js';
import { contents, cover, Toc, documentControl, executiveSummary, finding, findingsSummary, logoPicture, scopeAndAssets, type Picture } from './docx-sections.js';
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
  const md = new MarkdownDocx();
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
    ...findingsSummary(toc, m, accent),
  ];
  const n = m.findings.length;
  const step = Math.max(1, Math.ceil(n / 5));
  m.findings.forEach((f, i) => {
    body.push(...finding(toc, f, i, md));
    if ((i + 1) % step === 0) progress(10 + Math.round((50 * (i + 1)) / n));
  });
  progress(60);

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
    numbering: md.numbering(),
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
  progress(70);
  const out = await Packer.toBuffer(doc);
  progress(100);
  return out;
};

