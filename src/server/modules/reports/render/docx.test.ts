import { describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../../lib/severity.js';
import { renderDocx } from './docx.js';
import { esc, Wml } from './docx-wml.js';
import { parseMarkdown } from './markdown.js';
import type { ReportModel } from './model.js';
import { sampleModel } from './sample.js';
import { svgToPng } from './svg-raster.js';
import { UnsafeSvgError } from './svg-check.js';
import { expectReferencesResolve, expectWellFormed, textOf, unpack, xmlOf } from './docx-test-helpers.js';

const render = async (model: ReportModel, assets = {}) => {
  const progress: number[] = [];
  const buf = await renderDocx({ model, assets }, (p) => progress.push(p));
  return { buf, parts: unpack(buf), progress };
};

/** The sample with only Critical and High findings, as the report service builds it for such a filter. */
function onlyCriticalAndHigh(): { model: ReportModel; excluded: string[] } {
  const model = sampleModel({ findings: 10, format: 'docx' });
  const keep = model.findings.filter((f) => f.severity === 'Critical' || f.severity === 'High');
  const excluded = model.findings.filter((f) => !keep.includes(f)).map((f) => f.title);
  model.findings = keep;
  model.include.severities = ['Critical', 'High'];
  model.summary.total = keep.length;
  for (const s of SEVERITIES) model.summary.by_severity[s] = keep.filter((f) => f.severity === s).length;
  return { model, excluded };
}

describe('renderDocx', () => {
  it('writes every finding in the model order, with the four scripts and the injection strings as text', async () => {
    const model = sampleModel({ findings: 10, format: 'docx' });
    const { parts, progress } = await render(model);
    expectWellFormed(parts);
    expectReferencesResolve(parts);
    const doc = xmlOf(parts, 'word/document.xml');

    // Each title is a heading (after the TOC and the findings summary, which list them too): in order.
    const headings = [...doc.matchAll(/<w:pStyle w:val="Heading2"\/>.*?<\/w:p>/g)].map((m) => textOf(m[0]).trim());
    expect(headings).toEqual(model.findings.map((f) => `${f.ref}  ${f.title}`));
    for (const s of ['Prüfung der Zugangsdaten für Ärzte', 'Обход аутентификации', 'Ευπάθεια διέλευσης', 'ログイン画面の SQL インジェクション', '中文：登录页面存在注入漏洞']) expect(doc).toContain(s);

    // Markup of other languages stays text, XML-escaped, never elements.
    for (const s of ['#read("/etc/passwd") $x^2$ \\ {{constructor}} {% raw %} <b>not bold</b> & © — “quotes”', '/search?q=<svg onload=alert(1)>']) expect(doc).toContain(esc(s));
    expect(doc).not.toMatch(/<b>|<svg/);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  it('leaves out the findings the model does not include', async () => {
    const { model, excluded } = onlyCriticalAndHigh();
    const text = textOf(xmlOf((await render(model)).parts, 'word/document.xml'));
    for (const f of model.findings) expect(text).toContain(f.title);
    expect(excluded.length).toBeGreaterThan(0);
    for (const title of excluded) expect(text.split('\n').some((line) => line.includes(title))).toBe(false);
  });

  it('has a TOC field over Heading 1–2 that Word updates on open, and "Page X of Y" in the footer', async () => {
    const { parts } = await render(sampleModel({ format: 'docx' }));
    const doc = xmlOf(parts, 'word/document.xml');
    expect(doc).toContain('TOC \\h \\o &quot;1-2&quot;');
    expect(xmlOf(parts, 'word/settings.xml')).toMatch(/<w:updateFields(?: w:val="true")?\/>/);
    const footers = [...parts.keys()].filter((n) => /^word\/footer\d+\.xml$/.test(n)).map((n) => xmlOf(parts, n)).join('');
    expect(footers).toMatch(/Page <\/w:t>.*PAGE<\/w:instrText>.*of <\/w:t>.*NUMPAGES<\/w:instrText>/);
    expect(footers).toContain('Acme Security GmbH · Confidential');
    // The TOC's cached entries point at the findings' bookmarks.
    expect(doc).toContain('w:anchor="finding_1"');
    expect(doc).toContain('w:name="finding_1"');
    const styles = xmlOf(parts, 'word/styles.xml');
    for (const level of [1, 2, 3]) expect(styles).toMatch(new RegExp(`w:styleId="Heading${level}".*?<w:outlineLvl w:val="${level - 1}"/>`));
    expect(styles).toContain('w:eastAsia="Microsoft YaHei"');
    expect(styles).toContain('w:ascii="Consolas"');
  });

  it('puts the classification and the title in the header', async () => {
    const { parts } = await render(sampleModel({ format: 'docx' }));
    const headers = [...parts.keys()].filter((n) => /^word\/header\d+\.xml$/.test(n)).map((n) => textOf(xmlOf(parts, n)));
    expect(headers.some((h) => h.includes('Web Application Penetration Test') && h.includes('CONFIDENTIAL'))).toBe(true);
  });

  it('embeds the severity chart as SVG with a PNG fallback', async () => {
    const { parts } = await render(sampleModel({ format: 'docx' }));
    const doc = xmlOf(parts, 'word/document.xml');
    const rels = xmlOf(parts, 'word/_rels/document.xml.rels');
    const m = /<a:blip r:embed="([^"]+)"[^>]*>.*?<asvg:svgBlip [^>]*r:embed="([^"]+)"/.exec(doc);
    expect(m).not.toBeNull();
    const target = (id: string) => new RegExp(`Id="${id}"[^>]*Target="([^"]+)"`).exec(rels)?.[1] ?? new RegExp(`Target="([^"]+)"[^>]*Id="${id}"`).exec(rels)?.[1];
    const png = parts.get(`word/${target(m![1]!)}`) as Buffer;
    const svg = parts.get(`word/${target(m![2]!)}`) as Buffer;
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(svg.toString()).toContain('aria-label="Findings by severity"');
  });

  it('renders Markdown as Word formatting: lists with numbering, code, quotes, links, tables, headings', async () => {
    const { parts } = await render(sampleModel({ findings: 1, format: 'docx' }));
    const doc = xmlOf(parts, 'word/document.xml');
    expect(doc).toContain('<w:pStyle w:val="Code"/>');
    expect(doc).toContain('<w:rStyle w:val="CodeChar"/>');
    expect(doc).toContain('<w:pStyle w:val="Quote"/>');
    expect(doc).toContain('<w:tblHeader/>');
    expect(doc).toContain('<w:pStyle w:val="Heading5"/>'); // "## Details" inside a finding
    expect(doc).toMatch(/<w:ilvl w:val="1"\/>/); // the nested list
    expect(doc).toContain('<w:strike/>');
    expect(xmlOf(parts, 'word/_rels/document.xml.rels')).toContain('Target="https://owasp.org/Top10/A03_2021-Injection/" TargetMode="External"');
    expect(xmlOf(parts, 'word/numbering.xml')).toContain('<w:startOverride w:val="1"/>');
  });

  it('takes a PNG or a self-contained SVG logo, and refuses an SVG that reads files', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="300" height="100"><rect width="300" height="100" fill="#0f766e"/></svg>');
    const png = svgToPng(svg.toString(), { scale: 1 }).png;
    for (const logo of [{ type: 'png' as const, data: png }, { type: 'svg' as const, data: svg }]) {
      const { parts } = await render(sampleModel({ format: 'docx' }), { logo });
      expect(xmlOf(parts, 'word/document.xml')).toContain('Acme Security GmbH logo');
    }
    const evil = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><image href="/etc/hostname" width="10" height="10"/></svg>');
    await expect(render(sampleModel({ format: 'docx' }), { logo: { type: 'svg', data: evil } })).rejects.toThrow(UnsafeSvgError);
  });

  it('drops characters XML cannot carry instead of writing a file Word refuses', async () => {
    const model = sampleModel({ findings: 1, format: 'docx' });
    model.findings[0]!.title = 'Bell\u0007 and form feed\u000c and a lone \ud800 surrogate';
    model.findings[0]!.description = 'Escape \u001b[31m red';
    const { parts } = await render(model);
    expectWellFormed(parts);
    expect(xmlOf(parts, 'word/document.xml')).toContain('Bell and form feed and a lone  surrogate');
  });

  it('renders 500 findings within budget', async () => {
    const model = sampleModel({ findings: 500, format: 'docx' });
    const start = performance.now();
    const cpu = process.cpuUsage();
    const { buf } = await render(model);
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - start;
    console.info(`DOCX, 500 findings: ${wall.toFixed(0)} ms wall, ${((used.user + used.system) / 1000).toFixed(0)} ms CPU, ${(buf.length / 1024).toFixed(0)} KiB`);
    // The target is 1.5 s on an idle machine; the shared test machine gets a wide margin.
    expect(wall).toBeLessThan(6000);
  });
});

describe('Wml (Markdown → WordprocessingML)', () => {
  it('gives every list its own numbering instance, ordered ones restarting at their start', () => {
    const wml = new Wml({ styles: true });
    const xml = wml.blocks(parseMarkdown('1. a\n2. b\n\ntext\n\n3. c\n4. d\n\n- x\n  1. y'));
    const ids = [...xml.matchAll(/<w:numId w:val="(\d+)"\/>/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(4);
    const { nums } = wml.packageParts();
    expect(nums).toContain('<w:startOverride w:val="3"/>');
  });

  it('writes direct formatting without styles, and links as HYPERLINK fields when asked', () => {
    const wml = new Wml({ styles: false, links: 'field' });
    const xml = wml.blocks(parseMarkdown('> quoted `code` and [a link](https://example.com/?q="x")\n\n```\nline 1\nline 2\n```'));
    expect(xml).not.toContain('w:pStyle');
    expect(xml).toContain('<w:left w:val="single" w:sz="18"');
    expect(xml).toContain(' HYPERLINK "https://example.com/?q=%22x%22" ');
    expect(xml).toContain('<w:br/><w:t xml:space="preserve">line 2</w:t>');
    expect(wml.packageParts().relationships).toBe('');
  });
});
