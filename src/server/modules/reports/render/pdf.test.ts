import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEVERITIES } from '../../../lib/severity.js';
import type { RenderJob } from './index.js';
import { TemplateError, type ReportModel } from './model.js';
import { renderPdf } from './pdf.js';
import { EMBEDDED_FONT_NAMES } from './pdf-fonts.js';
import { sampleModel } from './sample.js';

// Package imports must fail fast, not wait on the network: the render process points the native
// module's HTTP client at a dead proxy, and so does this file while it runs (test files share
// processes, so the proxy settings are put back afterwards: curl in another file must not see them).
const PROXY_VARS = ['HTTPS_PROXY', 'HTTP_PROXY', 'ALL_PROXY', 'https_proxy', 'http_proxy', 'all_proxy'];
const savedProxies = PROXY_VARS.map((k) => [k, process.env[k]] as const);
for (const k of PROXY_VARS) process.env[k] = 'http://127.0.0.1:9';
afterAll(() => {
  for (const [k, v] of savedProxies) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

const dir = mkdtempSync(join(tmpdir(), 'neuro-pdf-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function pdfFile(pdf: Buffer): string {
  const file = join(dir, `r${seq++}.pdf`);
  writeFileSync(file, pdf);
  return file;
}
const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
const pdftotext = (file: string) => run('pdftotext', '-enc', 'UTF-8', file, '-');
/** pdffonts rows: name (subset prefix stripped, null when not subset) and whether embedded, subset, with Unicode map. */
function fonts(file: string) {
  return run('pdffonts', file).trim().split('\n').slice(2).map((row) => {
    const m = /^[A-Z]{6}\+(\S+)/.exec(row);
    return { row, name: m ? m[1]! : null, embedded: /\byes\s+yes\s+yes\b/.test(row) };
  });
}
/** Text without any whitespace: titles wrap and CJK lines break anywhere. */
const squash = (s: string) => s.replace(/\s+/g, '');
const render = (job: Partial<RenderJob> & { model: ReportModel }) => renderPdf({ assets: {}, ...job }, () => {});
const typst = (source: string) => ({ kind: 'typst' as const, content: Buffer.from(source) });

// 1×1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40"><rect width="120" height="40" rx="6" fill="#0f766e"/></svg>');

describe('renderPdf, built-in design', () => {
  const model = sampleModel({ findings: 10 });
  let file: string;
  let text: string;
  const progress: number[] = [];

  beforeAll(async () => {
    file = pdfFile(await renderPdf({ model, assets: { logo: { type: 'svg', data: SVG } } }, (p) => progress.push(p)));
    text = pdftotext(file);
  }, 60_000);

  it('prints every finding, in the severity order of the model', () => {
    const ranks = model.findings.map((f) => SEVERITIES.indexOf(f.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    // The findings section starts after the last table-of-contents and summary mentions.
    const body = squash(text.slice(text.lastIndexOf('Each finding below gives its rating')));
    const positions = model.findings.map((f) => body.indexOf(squash(f.title)));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    for (const f of model.findings) expect(body).toContain(squash(`${f.ref}${f.title}`));
  });

  it('extracts accented Latin, Cyrillic, Greek and CJK as written', () => {
    for (const s of [
      'Prüfung der Zugangsdaten für Ärzte (Français: élévation de privilèges)',
      'Обход аутентификации в панели администратора',
      'Ευπάθεια διέλευσης καταλόγου στον διακομιστή',
      'ログイン画面の SQL インジェクション (中文：登录页面存在注入漏洞)',
    ]) expect(squash(text)).toContain(squash(s));
  });

  it('has a table of contents, page numbers "Page X of Y" and the classification on every page', () => {
    const pages = Number(/Pages:\s+(\d+)/.exec(run('pdfinfo', file))![1]);
    expect(text).toContain('Contents');
    expect(text).toMatch(/F-01\s+Finding 6: reflected cross-site scripting in search/);
    // The cover has no page number; the pages after it count from 1.
    expect(text).toContain(`Page 1 of ${pages - 1}`);
    expect(text).toContain(`Page ${pages - 1} of ${pages - 1}`);
    expect(text.match(/CONFIDENTIAL/g)!.length).toBeGreaterThanOrEqual(pages);
    expect(text.match(/Acme Security GmbH · Confidential/g)!.length).toBe(pages - 1);
  });

  it('prints text that is markup in Typst, HTML or templates literally, and reads no file', () => {
    const flat = text.replace(/\s+/g, ' ');
    for (const s of ['#read("/etc/passwd")', '$x^2$', '\\ {{constructor}}', '{% raw %}', '<b>not bold</b>', '<svg onload=alert(1)>']) {
      expect(flat).toContain(s);
    }
    expect(text).not.toMatch(/root:.*:0:0:|nologin/);
  });

  it('renders Markdown: code, tables, quotes, lists and links, with finding headings kept out of the outline', () => {
    expect(text).toContain('GET /search?q=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1');
    expect(text).toContain('Content-Security-Policy: default-src \'self\'');
    expect(text).toMatch(/Parameter\s+Reflected\s+Encoded/);
    expect(text).toContain('Verified again on 2024-03-02 with a fresh account');
    // "## Details" from finding text is a heading on the page but no entry in the contents (page 3),
    // which lists the sections and the findings with their refs and severities.
    const contents = run('pdftotext', '-f', '3', '-l', '3', file, '-');
    expect(contents).toContain('Contents');
    expect(contents).toMatch(/F-10\s/);
    expect(contents).toContain('CRITICAL');
    expect(text).toContain('Details');
    expect(contents).not.toMatch(/Details|Description|Remediation/);
  });

  it('embeds only the shipped fonts, each as a subset', () => {
    const rows = fonts(file);
    expect(rows.length).toBeGreaterThan(0);
    for (const f of rows) {
      expect(f.name, f.row).not.toBeNull();
      expect(EMBEDDED_FONT_NAMES, f.row).toContain(f.name);
      expect(f.embedded, f.row).toBe(true);
    }
    expect(rows.map((f) => f.name)).toEqual(expect.arrayContaining(['NotoSans-Regular', 'NotoSans-Bold', 'NotoSansMono-Regular', 'NotoSansSC-Regular']));
  });

  it('reports progress up to 100', () => {
    expect(progress[0]).toBe(10);
    expect(progress.at(-1)).toBe(100);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });
});

describe('renderPdf, model variants', () => {
  it('leaves out findings the model does not include, and renders Hangul', async () => {
    const model = sampleModel({ findings: 10 });
    const dropped = model.findings.filter((f) => f.severity === 'Info' || f.severity === 'Low');
    model.findings = model.findings.filter((f) => !dropped.includes(f));
    model.findings[0]!.title = '관리자 패널의 인증 우회';
    const file = pdfFile(await render({ model }));
    const text = squash(pdftotext(file));
    expect(dropped.length).toBe(4);
    expect(text).toContain(squash('관리자 패널의 인증 우회'));
    expect(fonts(file).map((f) => f.name)).toContain('NotoSansKR-Bold');
    for (const f of fonts(file)) expect(EMBEDDED_FONT_NAMES, f.row).toContain(f.name);
    for (const f of dropped) expect(text).not.toContain(squash(f.title));
    for (const f of model.findings) expect(text).toContain(squash(f.title));
  });

  it('renders an empty report and falls back from a bad accent colour and a logo that is not one', async () => {
    const model = sampleModel({ findings: 0 });
    model.branding.accent_color = 'red;}';
    model.client = null;
    model.report.classification = null;
    const text = pdftotext(pdfFile(await render({ model, assets: { logo: { type: 'png', data: Buffer.from('not a png') } } })));
    expect(text).toContain('No findings are in the scope of this report.');
  });
});

describe('renderPdf, tenant Typst templates', () => {
  const model = sampleModel({ findings: 3 });

  it('renders the example template with the data and the Markdown library', async () => {
    const content = readFileSync(new URL('../templates/example.typ', import.meta.url));
    const text = pdftotext(pdfFile(await render({ model, template: { kind: 'typst', content }, assets: { logo: { type: 'png', data: PNG } } })));
    for (const f of model.findings) expect(squash(text)).toContain(squash(f.title));
    expect(text).toContain('A grey-box test of the customer portal and its API.');
    expect(text).toContain('Content-Security-Policy');
  });

  it('throws TemplateError with the line of a syntax or evaluation error', async () => {
    const err = await render({ model, template: typst('= Title\n\nSome text\n#let x = (\n') }).catch((e) => e);
    expect(err).toBeInstanceOf(TemplateError);
    expect(err.line).toBe(4);
    expect(err.message).toMatch(/unclosed delimiter \(line 4\)/);
    const err2 = await render({ model, template: typst('#import "neuro.typ": *\n#md(data.nothing)\n') }).catch((e) => e);
    expect(err2).toBeInstanceOf(TemplateError);
    expect(err2.line).toBe(2);
    expect(err2.message).toContain('does not contain key "nothing"');
  });

  it('cannot read files outside its workspace', async () => {
    for (const src of ['#read("/etc/passwd")', '#read("../../../../etc/passwd")', '#image("/etc/hostname")']) {
      const err = await render({ model, template: typst(src) }).catch((e) => e);
      expect(err, src).toBeInstanceOf(TemplateError);
      expect(err.message).toMatch(/file not found|access denied|outside of project root/);
      expect(err.message).not.toContain(tmpdir()); // the workspace's real path stays private
    }
  });

  it('cannot import packages: fails with a clear error instead of hanging', async () => {
    for (const src of ['#import "@preview/cetz:0.3.0": *\nHello', '#let p = "@pre" + "view/cetz:0.3.0"\n#import p: *\nHello', '#import "@local/secrets:0.1.0": *']) {
      const started = Date.now();
      const err = await render({ model, template: typst(src) }).catch((e) => e);
      expect(err, src).toBeInstanceOf(TemplateError);
      expect(err.message).toMatch(/package/);
      expect(Date.now() - started).toBeLessThan(20_000);
    }
  });

  it('sees only its own job: no file of an earlier job is left in the workspace', async () => {
    const first = sampleModel({ findings: 1 });
    first.report.title = 'Earlier job title';
    await render({ model: first, assets: { logo: { type: 'png', data: PNG } } });
    const text = pdftotext(pdfFile(await render({ model, template: typst('#import "neuro.typ": *\n#data.report.title\n\n#read("/data.json")') })));
    expect(text).toContain(model.report.title);
    expect(text).not.toContain('Earlier job title');
    const err = await render({ model, template: typst('#image("/logo.png")') }).catch((e) => e);
    expect(err).toBeInstanceOf(TemplateError);
  });

  it('refuses a template of another kind', async () => {
    await expect(render({ model, template: { kind: 'docx', content: Buffer.from('x') } })).rejects.toBeInstanceOf(TemplateError);
  });
});

// 500 findings take a few seconds and several hundred MB; run with PDF_LARGE=1 (the benchmark
// measures the same).
describe.skipIf(!process.env.PDF_LARGE)('renderPdf, 500 findings', () => {
  it('renders them all with the contents', async () => {
    const model = sampleModel({ findings: 500 });
    const started = performance.now();
    const pdf = await render({ model });
    const ms = performance.now() - started;
    const text = pdftotext(pdfFile(pdf));
    expect(text).toMatch(/F-500\s/);
    expect(text).toContain('Page 1 of ');
    console.log(`500 findings: ${Math.round(ms)} ms, ${(pdf.length / 1e6).toFixed(1)} MB`);
  }, 120_000);
});
