import { deflateRawSync } from 'node:zlib';
import { Document, Packer, Paragraph, TextRun } from 'docx';
import { describe, expect, it } from 'vitest';
import { renderDocxTemplate, TEMPLATE_LIMITS } from './docx-template.js';
import { TemplateError } from './model.js';
import { sampleModel } from './sample.js';
import { writeZip } from './zip.js';
import { exampleDocx } from '../templates/example-docx.js';
import { expectReferencesResolve, expectWellFormed, textOf, unpack, xmlOf } from './docx-test-helpers.js';

const example = await exampleDocx();

const render = (content: Buffer, model = sampleModel({ format: 'docx' })) => renderDocxTemplate({ model, assets: {}, template: { kind: 'docx', content } }, () => {});

/** A one-section template whose paragraphs are these texts. */
const template = (...paragraphs: string[]) =>
  Packer.toBuffer(new Document({ sections: [{ children: paragraphs.map((t) => new Paragraph({ children: [new TextRun(t)] })) }] }));

const bodyText = async (...paragraphs: string[]) => textOf(xmlOf(unpack(await render(await template(...paragraphs))), 'word/document.xml'));

async function templateError(content: Buffer | Promise<Buffer>): Promise<TemplateError> {
  const e = await render(await content).then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(TemplateError);
  return e as TemplateError;
}

describe('renderDocxTemplate', () => {
  it('fills the example template: values, loops, tables, and finding Markdown as Word formatting', async () => {
    const model = sampleModel({ format: 'docx' });
    const parts = unpack(await render(example, model));
    expectWellFormed(parts);
    expectReferencesResolve(parts);
    const doc = xmlOf(parts, 'word/document.xml');
    const text = textOf(doc);
    expect(text).not.toMatch(/\{[#/^@]|\{(report|project|client|branding|summary|ref|title)\b/); // no tag left
    for (const s of ['Web Application Penetration Test', 'Q1 Web Pentest for Example Corp', 'Version 1.1, 2024-03-04 · Confidential', 'A grey-box test of the customer portal']) expect(text).toContain(s);
    // Findings in order, in the summary table and as headings.
    let at = text.indexOf('Findings summary');
    for (const f of model.findings) {
      const next = text.indexOf(`${f.ref} ${f.title}`, at);
      expect(next, f.title).toBeGreaterThan(at);
      at = next;
    }
    // {@description_xml}: lists with numbering of the package, code in Consolas, HYPERLINK fields.
    expect(doc).toContain('<w:numPr><w:ilvl w:val="1"/>');
    expect(doc).toContain('w:ascii="Consolas"');
    expect(doc).toContain(' HYPERLINK "https://owasp.org/Top10/A03_2021-Injection/" ');
    expect(doc).toContain('&lt;b&gt;not bold&lt;/b&gt; &amp; ©');
    // Headers are templates too.
    const header = [...parts.keys()].filter((n) => n.startsWith('word/header')).map((n) => textOf(xmlOf(parts, n))).join('');
    expect(header).toContain('Web Application Penetration Test · Confidential');
  });

  it('renders an empty report: inverted sections show, loops vanish', async () => {
    const model = sampleModel({ findings: 0, format: 'docx' });
    const text = textOf(xmlOf(unpack(await render(example, model)), 'word/document.xml'));
    expect(text).toContain('No findings are in this report.');
  });

  it('offers plain-text variants and derived fields; missing values are empty', async () => {
    const text = await bodyText('{#findings}[{index}|{ref}|{cve_text}|{severity_color}|{cvss_score_text}]{/findings}', '{project.scope_text}', 'x{report.nothing}{client.nothing.deeper}{toString}{hasOwnProperty}y');
    expect(text).toContain('[1|F-01||#7f1d1d|9.8][2|F-02|CVE-2024-12345|#7f1d1d|9.8]');
    expect(text).toContain('• app.example.com (production)');
    expect(text).toContain('xy');
  });

  it('fails a broken template with an error naming the tag and its paragraph', async () => {
    const unclosed = await templateError(template('Intro', 'Second', '{#findings}{title}'));
    expect(unclosed.message).toContain('{findings}');
    expect(unclosed.message).toContain('unclosed');
    expect(unclosed.line).toBe(3);
    expect(unclosed.message).toMatch(/\(line 3\)$/);
    const tag = await templateError(template('Hello {report.title'));
    expect(tag.message).toContain('{report.title}');
    expect(tag.line).toBe(1);
    for (const expr of ['{report.title | upper}', '{a + b}', '{fn()}', '{findings[0]}', '{report["title"]}', '{=<% %>=}<%a b%>']) {
      const e = await templateError(template('x', expr));
      expect(e.message, expr).toMatch(/is not a field name/);
    }
  });

  it('never reaches past the data: prototype names fail, nothing is called, nothing is polluted', async () => {
    const e = await templateError(template('{constructor}', '{__proto__.x}', '{findings.constructor}', '{#findings}{constructor.name}{/findings}', '{report.title.constructor.constructor}'));
    expect(e.message).toMatch(/^The template has 5 errors/);
    for (const tag of ['{constructor}', '{__proto__.x}', '{findings.constructor}', '{constructor.name}']) expect(e.message).toContain(tag);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('x');
  });

  it('lets raw tags insert only our XML', async () => {
    expect((await templateError(template('{@report.title}'))).message).toMatch(/_xml fields/);
    expect((await templateError(template('{#findings}{@.}{/findings}'))).message).toMatch(/_xml fields/);
    expect((await templateError(template('Text before {@project.description_xml}'))).message).toMatch(/only text in this paragraph/);
    // An _xml field in a text tag is not inserted as XML.
    expect(await bodyText('[{project.description_xml}]')).toContain('[]');
  });

  it('refuses what is not a DOCX: other files, damaged ZIPs, zip bombs, DTDs, macro-enabled documents', async () => {
    expect((await templateError(Buffer.from('%PDF-1.7 not a zip'))).message).toMatch(/not a usable DOCX/);
    expect((await templateError(writeZip([['hello.txt', 'hi']]))).message).toMatch(/not a DOCX file/);
    const parts = [...unpack(await template('x'))] as [string, string | Buffer][];
    const swap = (name: string, f: (s: string) => string) => parts.map(([n, v]) => [n, n === name ? f(v as string) : v] as [string, string | Buffer]);

    // Honest about its size, but too big.
    const big = Buffer.alloc(TEMPLATE_LIMITS.maxTotal + 1);
    expect((await templateError(writeZip([...parts, ['word/media/big.bin', big]]))).message).toMatch(/unpacks to more than/);
    // Lying: declares 100 bytes and inflates to 60 MB.
    expect((await templateError(lyingZip(parts))).message).toMatch(/more than it declares/);

    const xxe = swap('word/document.xml', (s) => s.replace('?>', '?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'));
    expect((await templateError(writeZip(xxe))).message).toMatch(/DTD or entities/);
    const docm = swap('[Content_Types].xml', (s) => s.replace('document.main+xml', 'document.macroEnabled.main+xml'));
    expect((await templateError(writeZip(docm))).message).toMatch(/macro-enabled/);
    const broken = swap('word/document.xml', (s) => s.replace('</w:body>', ''));
    expect((await templateError(writeZip(broken))).message).toMatch(/word\/document.xml is not well-formed XML/);
  });
});

/** A valid package plus an entry whose headers say 100 bytes and whose data inflates to 60 MB. */
function lyingZip(parts: [string, string | Buffer][]): Buffer {
  const zip = writeZip([...parts, ['word/media/bomb.bin', Buffer.alloc(100)]]);
  const bomb = deflateRawSync(Buffer.alloc(60 * 1024 * 1024));
  const name = Buffer.from('word/media/bomb.bin');
  const local = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]), zip.indexOf(name));
  const dataStart = local + 30 + name.length;
  const oldLen = zip.readUInt32LE(local + 18);
  const out = Buffer.concat([zip.subarray(0, dataStart), bomb, zip.subarray(dataStart + oldLen)]);
  out.writeUInt32LE(bomb.length, local + 18);
  // The central directory's entry for it: compressed size, and every later offset moves.
  const shift = bomb.length - oldLen;
  const cen = out.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]), dataStart + bomb.length);
  for (let p = cen; out.readUInt32LE(p) === 0x02014b50; p += 46 + out.readUInt16LE(p + 28)) {
    if (out.subarray(p + 46, p + 46 + out.readUInt16LE(p + 28)).equals(name)) out.writeUInt32LE(bomb.length, p + 20);
  }
  const eocd = out.length - 22;
  out.writeUInt32LE(out.readUInt32LE(eocd + 16) + shift, eocd + 16);
  return out;
}
