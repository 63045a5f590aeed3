/**
 * The example tenant DOCX template (the built-in DOCX design's download, `example.docx`), with
 * docxtemplater tags over the data that docx-template.md documents. Built from this code when first
 * asked for, never stored: the code is what to review and edit.
 */
import {
  AlignmentType,
  BorderStyle,
  Document,
  Footer,
  Header,
  HeadingLevel,
  Packer,
  PageNumber,
  Paragraph,
  Table,
  TableCell,
  TableOfContents,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';

const p = (text: string, opts: Record<string, unknown> = {}) => new Paragraph({ ...opts, children: [new TextRun(text)] });
const h1 = (text: string) => new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(text)] });
const h2 = (text: string) => new Paragraph({ heading: HeadingLevel.HEADING_2, children: [new TextRun(text)] });
const h3 = (text: string) => new Paragraph({ heading: HeadingLevel.HEADING_3, children: [new TextRun(text)] });
const border = { style: BorderStyle.SINGLE, size: 4, color: 'BFBFBF' };

/** A table whose second row is one loop: docxtemplater repeats the row for each item. */
function loopTable(header: string[], cells: string[]): Table {
  const w = Math.floor(9000 / header.length);
  const row = (texts: string[], bold = false) =>
    new TableRow({ children: texts.map((t) => new TableCell({ width: { size: w, type: WidthType.DXA }, children: [new Paragraph({ children: [new TextRun({ text: t, bold })] })] })) });
  return new Table({
    width: { size: 9000, type: WidthType.DXA },
    columnWidths: header.map(() => w),
    borders: { top: border, bottom: border, left: border, right: border, insideHorizontal: border, insideVertical: border },
    rows: [row(header, true), row(cells)],
  });
}

function exampleDocument(): Document {
  return new Document({
  creator: 'NEURO',
  title: 'Example report template',
  features: { updateFields: true },
  sections: [
    {
      headers: { default: new Header({ children: [p('{report.title} · {report.classification}', { alignment: AlignmentType.RIGHT })] }) },
      footers: {
        default: new Footer({
          children: [new Paragraph({ children: [new TextRun('{branding.footer_text}    Page '), new TextRun({ children: [PageNumber.CURRENT, ' of ', PageNumber.TOTAL_PAGES] })] })],
        }),
      },
      children: [
        p('{branding.company_name}'),
        new Paragraph({ heading: HeadingLevel.TITLE, children: [new TextRun('{report.title}')] }),
        p('{project.name} for {client.name}'),
        p('Version {report.version}, {report.generated_date} · {report.classification}'),
        p('Testing from {project.start_date} to {project.end_date}. Author: {report.author.name}'),
        new TableOfContents('Contents', { hyperlink: true, headingStyleRange: '1-2' }),

        h1('Document control'),
        loopTable(['Version', 'Date', 'Author', 'Title'], ['{#document_control}{version}', '{date}', '{author}', '{title}{/document_control}']),

        h1('Executive summary'),
        p('{@project.description_xml}'),
        p('The assessment found {summary.total} findings.'),
        loopTable(['Severity', 'Findings'], ['{#summary.severities}{name}', '{count}{/summary.severities}']),
        p(''),
        loopTable(['Status', 'Findings'], ['{#summary.statuses}{name}', '{count}{/summary.statuses}']),

        h1('Scope'),
        p('{@project.scope_xml}'),
        loopTable(['Asset', 'Type', 'Findings'], ['{#assets}{name}', '{type}', '{finding_count}{/assets}']),

        h1('Findings summary'),
        p('{^findings}No findings are in this report.{/findings}'),
        loopTable(['Ref', 'Title', 'Severity', 'CVSS', 'Status'], ['{#findings}{ref}', '{title}', '{severity}', '{cvss_score_text}', '{status}{/findings}']),

        h1('Findings'),
        p('{#findings}'),
        h2('{ref} {title}'),
        p('Severity: {severity} · CVSS {cvss_score_text} {cvss_vector} · Status: {status}'),
        p('CWE: {cwe} · CVE: {cve_text} · Affected assets: {assets_text}'),
        h3('Description'),
        p('{@description_xml}'),
        h3('Impact'),
        p('{@impact_xml}'),
        h3('Steps to reproduce'),
        p('{@steps_to_reproduce_xml}'),
        h3('Remediation'),
        p('{@remediation_xml}'),
        p('{#references.length}'),
        h3('References'),
        p('{/references.length}'),
        p('{#references}'),
        p('{.}', { bullet: { level: 0 } }),
        p('{/references}'),
        p('{/findings}'),
      ],
    },
  ],
});
}

let built: Promise<Buffer> | undefined;

/** The example template's bytes, built once per process. */
export function exampleDocx(): Promise<Buffer> {
  built ??= Packer.toBuffer(exampleDocument());
  return built;
}
