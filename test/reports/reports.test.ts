import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, client, type Client } from '../helpers/index.js';
import { buildApp } from '../../src/server/app.js';

/**
 * Reports end to end: generated in the background from the database, downloaded, versioned,
 * immutable, scoped and tenant-bound. Formats without a native engine (JSON, CSV, Markdown, HTML)
 * are checked here in depth; PDF and DOCX have their own files.
 */
let server: TestServer;
let tenant: TestTenant;
let api: Client;

beforeAll(async () => {
  server = await startServer({ env: { NEURO_REPORT_POLL_MS: '50' } });
  tenant = await server.createTenant();
  api = client(server.url, tenant.token);
});
afterAll(async () => {
  const failures = server?.logs.filter((l) => /"level":50|"statusCode":5\d\d/.test(l)) ?? [];
  await server?.close();
  expect(failures, 'server errors (500s) in the log').toEqual([]);
});

export async function waitForReport(c: Client, id: string, timeoutMs = 60_000): Promise<any> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = (await c.get(`/reports/${id}`)).body.data;
    if (r.status === 'completed' || r.status === 'failed') return r;
    if (Date.now() > until) throw new Error(`report ${id} still ${r.status} at ${r.progress}%`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

async function generate(c: Client, body: Record<string, unknown>) {
  const res = await c.post('/reports', body);
  expect(res.status, res.text).toBe(202);
  expect(res.body.data).toMatchObject({ status: 'queued', progress: 0 });
  expect(res.body.data.id).toMatch(/^rep_/);
  const done = await waitForReport(c, res.body.data.id);
  expect(done.status, JSON.stringify(done)).toBe('completed');
  const file = await c.get(`/reports/${done.id}/download`);
  expect(file.status).toBe(200);
  return { report: done, file };
}

const INJECTION = '#read("/etc/passwd") $x$ {{ constructor }} {% raw %} <script>alert(1)</script> =cmd|\' /C calc\'!A0';

async function engagement(c: Client = api) {
  const cl = (await c.post('/clients', { name: 'Müller & Söhne GmbH' })).body.data;
  const project = (await c.post('/projects', { name: 'Q3 Web Pentest', client_id: cl.id, description: 'Grey-box **test**.', scope: '- app.example.com' })).body.data;
  const asset = (await c.post('/assets', { project_id: project.id, name: 'app.example.com', type: 'host' })).body.data;
  const make = (title: string, extra: Record<string, unknown>) => c.post('/findings', { project_id: project.id, title, ...extra }).then((r) => r.body.data);
  const findings = {
    low: await make('Low one: verbose banner', { severity: 'Low', status: 'Confirmed' }),
    critical: await make('Critical one: SQL injection', { severity: 'Critical', cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', asset_ids: [asset.id], cwe: 'CWE-89' }),
    high: await make('High one: Обход аутентификации', { severity: 'High', description: `## Details\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n${INJECTION}` }),
    medium: await make('Medium one: ログイン画面 Ευπάθεια', { severity: 'Medium', remediation: '```js\nencode(x)\n```' }),
    falsePositive: await make('Excluded: false positive', { severity: 'High', status: 'False Positive' }),
    info: await make(INJECTION, { severity: 'Info' }),
  };
  return { client: cl, project, asset, findings };
}

describe('generating and downloading', () => {
  it('answers 202 queued, completes in the background, and serves the file with its digest and a filename', async () => {
    const { project } = await engagement();
    const { report, file } = await generate(api, { project_id: project.id, format: 'json', classification: 'Strictly Confidential' });
    expect(report).toMatchObject({ project_id: project.id, format: 'json', version: '1.0', classification: 'Strictly Confidential', progress: 100, error: null });
    expect(report.created_by.type).toBe('service_account');
    expect(report.started_at).not.toBeNull();
    expect(report.completed_at).not.toBeNull();
    const bytes = Buffer.from(file.text, 'utf8');
    expect(report.size).toBe(bytes.length);
    expect(report.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(file.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(file.headers.get('etag')).toBe(`"${report.sha256}"`);
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    const disposition = file.headers.get('content-disposition')!;
    expect(report.filename).toMatch(/^muller-sohne-gmbh_q3-web-pentest_v1\.0_\d{4}-\d{2}-\d{2}\.json$/);
    expect(disposition).toContain(`filename="${report.filename}"`);
    expect(disposition).toContain("filename*=UTF-8''");
  });

  it('JSON is the content model: the included findings in severity order, round-tripping every field', async () => {
    const { project, findings, asset } = await engagement();
    const { file } = await generate(api, { project_id: project.id, format: 'json' });
    const model = JSON.parse(file.text);
    expect(model.schema).toBe('neuro.report/v1');
    expect(model.findings.map((f: any) => f.id)).toEqual([findings.critical.id, findings.high.id, findings.medium.id, findings.low.id, findings.info.id]);
    expect(model.findings.map((f: any) => f.ref)).toEqual(['F-01', 'F-02', 'F-03', 'F-04', 'F-05']);
    const critical = model.findings[0];
    for (const k of ['title', 'severity', 'status', 'cvss_vector', 'cvss_score', 'cwe', 'cve', 'description', 'remediation', 'references', 'tags', 'created_at', 'updated_at']) {
      expect(critical[k], k).toEqual(findings.critical[k]);
    }
    expect(critical.assets).toEqual([{ id: asset.id, name: asset.name, type: 'host' }]);
    expect(model.findings[4].title).toBe(INJECTION);
    expect(model.summary).toMatchObject({ total: 5, by_severity: { Critical: 1, High: 1, Medium: 1, Low: 1, Info: 1 } });
    expect(model.include.statuses).not.toContain('False Positive');
    expect(model.assets).toEqual([expect.objectContaining({ id: asset.id, finding_count: 1 })]);
    expect(model.client.name).toBe('Müller & Söhne GmbH');
  });

  it('includes exactly the severities and statuses asked for', async () => {
    const { project, findings } = await engagement();
    const { file } = await generate(api, { project_id: project.id, format: 'json', include: { severities: ['High', 'Critical'], statuses: ['Open', 'False Positive'] } });
    expect(JSON.parse(file.text).findings.map((f: any) => f.id)).toEqual([findings.critical.id, findings.falsePositive.id, findings.high.id]) // two Highs without CVSS: by title;
  });

  it('CSV is the findings table, round-tripping through a CSV parser, with formulas neutralised', async () => {
    const { project, findings } = await engagement();
    const { file } = await generate(api, { project_id: project.id, format: 'csv' });
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const rows = parseCsv(file.text.replace(/^\uFEFF/, ''));
    const [header, ...data] = rows;
    expect(header!.slice(0, 5)).toEqual(['ref', 'id', 'title', 'severity', 'status']);
    expect(data.map((r) => r[1])).toEqual([findings.critical.id, findings.high.id, findings.medium.id, findings.low.id, findings.info.id]);
    const col = (name: string) => header!.indexOf(name);
    expect(data[0]![col('cvss_score')]).toBe('9.8');
    expect(data[0]![col('assets')]).toBe('app.example.com');
    expect(data[1]![col('title')]).toBe(findings.high.title);
    expect(data[1]![col('description')]).toBe(findings.high.description);
    expect(data[4]![col('title')]).toBe(INJECTION); // starts with #, not a formula
    // A cell a spreadsheet would run gets an apostrophe in front.
    const formula = (await api.post('/findings', { project_id: project.id, title: '=HYPERLINK("http://evil")', severity: 'Low' })).body.data;
    const again = parseCsv((await generate(api, { project_id: project.id, format: 'csv' })).file.text.replace(/^\uFEFF/, ''));
    expect(again.find((r) => r[1] === formula.id)![col('title')]).toBe('\'=HYPERLINK("http://evil")');
  });

  it('Markdown and HTML show every included title in severity order, none excluded, and user text only as text', async () => {
    const { project, findings } = await engagement();
    const order = [findings.critical, findings.high, findings.medium, findings.low].map((f) => f.title);
    const md = (await generate(api, { project_id: project.id, format: 'markdown' })).file;
    expect(md.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    const positions = order.map((t) => md.text.lastIndexOf(`### F-`) >= 0 && md.text.indexOf(t.split(':')[0]!));
    expect(positions.every((p, i) => i === 0 || (p as number) > (positions[i - 1] as number))).toBe(true);
    expect(md.text).not.toContain('Excluded: false positive');
    expect(md.text).toContain('\\#read("/etc/passwd") \\$x\\$'); // escaped: shows as text in any Markdown viewer
    expect(md.text).toContain('#### Details'); // the finding's own heading moved below the finding's
    expect(md.text).toContain('```js\nencode(x)\n```');

    const html = (await generate(api, { project_id: project.id, format: 'html' })).file;
    expect(html.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(html.headers.get('content-security-policy')).toContain('sandbox');
    const at = order.map((t) => html.text.indexOf(`${t.replace('&', '&amp;')}</h3>`));
    expect(at.every((p, i) => p > 0 && (i === 0 || p > at[i - 1]!)), JSON.stringify(at)).toBe(true);
    expect(html.text).not.toContain('Excluded: false positive');
    expect(html.text).not.toContain('<script>');
    expect(html.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html.text).toContain('<table class="md-table">');
    expect(html.text).toContain('<svg'); // the severity chart
    expect(html.text).toContain('Обход аутентификации');
  });

  it('numbers versions: one delivery in several formats shares a version, generating a format again makes the next', async () => {
    const { project } = await engagement();
    const v = async (format: string, extra = {}) => (await api.post('/reports', { project_id: project.id, format, ...extra })).body.data?.version;
    expect(await v('json')).toBe('1.0');
    expect(await v('csv')).toBe('1.0');
    expect(await v('json')).toBe('1.1');
    expect(await v('markdown', { version: '2.0' })).toBe('2.0');
    expect(await v('markdown')).toBe('2.1');
    const dup = await api.post('/reports', { project_id: project.id, format: 'json', version: '1.0' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details).toEqual([{ field: 'version', message: 'is already used for this format' }]);
    const list = await api.get(`/projects/${project.id}/reports?sort=version&order=asc`);
    expect(list.body.data.map((r: any) => `${r.version}/${r.format}`)).toEqual(['1.0/json', '1.0/csv', '1.1/json', '2.0/markdown', '2.1/markdown']);
  });

  it('records report.generated in the project history, and lists reports with filters and pages', async () => {
    const { project } = await engagement();
    const { report } = await generate(api, { project_id: project.id, format: 'csv' });
    const history = await api.get(`/projects/${project.id}/history?type=report.generated`);
    expect(history.status).toBe(200);
    expect(history.body.data).toHaveLength(1);
    const events = await server.db.tenant(tenant.id, (q) =>
      q.query<{ data: any }>("SELECT data FROM events WHERE tenant_id = $1 AND type = 'report.generated' AND object_id = $2", [tenant.id, project.id]));
    expect(events.rows[0]!.data).toMatchObject({ id: report.id, status: 'completed', sha256: report.sha256 });
    const filtered = await api.get(`/reports?project_id=${project.id}&format=csv&status=completed&limit=1`);
    expect(filtered.body.meta).toMatchObject({ page: 1, limit: 1, total: 1 });
    expect((await api.get('/reports?status=lost')).body.error.details[0].field).toBe('status');
    expect((await api.get('/reports?format=exe')).body.error.details[0].field).toBe('format');
  });

  it('refuses bad input with the field named', async () => {
    const { project } = await engagement();
    const bad = async (body: object, field: string) => {
      const r = await api.post('/reports', body);
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.details.map((d: any) => d.field)).toContain(field);
    };
    await bad({ project_id: project.id, format: 'exe' }, 'format');
    await bad({ project_id: 'proj_nope', format: 'pdf' }, 'project_id');
    await bad({ project_id: project.id, format: 'pdf', version: 'one' }, 'version');
    await bad({ project_id: project.id, format: 'pdf', include: { severities: ['Huge'] } }, 'include.severities[0]');
    await bad({ project_id: project.id, format: 'pdf', template_id: 'tpl_nope' }, 'template_id');
    await bad({ project_id: project.id, format: 'pdf', title: '   ' }, 'title');
    await bad({ format: 'pdf' }, 'project_id');
  });

  it('deletes a report with its file', async () => {
    const { project } = await engagement();
    const { report } = await generate(api, { project_id: project.id, format: 'json' });
    expect((await api.del(`/reports/${report.id}`)).status).toBe(204);
    expect((await api.get(`/reports/${report.id}`)).status).toBe(404);
    expect((await api.get(`/reports/${report.id}/download`)).status).toBe(404);
    expect((await api.del(`/reports/${report.id}`)).status).toBe(404);
  });

  it('keeps a completed report immutable, also against a direct UPDATE', async () => {
    const { project } = await engagement();
    const { report } = await generate(api, { project_id: project.id, format: 'json' });
    await expect(server.db.tenant(tenant.id, (q) => q.query("UPDATE report_files SET content = 'x' WHERE tenant_id = $1 AND report_id = $2", [tenant.id, report.id])))
      .rejects.toThrow(/cannot be changed/);
    await expect(server.db.tenant(tenant.id, (q) => q.query("UPDATE reports SET sha256 = 'x' WHERE tenant_id = $1 AND id = $2", [tenant.id, report.id])))
      .rejects.toThrow(/cannot be changed/);
    const again = await api.get(`/reports/${report.id}/download`);
    expect(createHash('sha256').update(Buffer.from(again.text, 'utf8')).digest('hex')).toBe(report.sha256);
  });
});

describe('templates', () => {
  const LIQUID_HTML = `<!doctype html><html><body><h1>{{ report.title }}</h1><p>{{ client.name }}</p>
{% for f in findings %}<h2>{{ f.ref }} {{ f.title }}</h2>{{ f.description | markdown }}{% endfor %}
<script>alert("template")</script><a href="javascript:alert(1)" onclick="x()">link</a></body></html>`;

  it('uploads an HTML template, renders reports with it (sanitised), lists built-ins first, downloads and deletes it', async () => {
    const { project, findings } = await engagement();
    const up = await api.post('/report-templates', { name: 'Our HTML', kind: 'html', content: LIQUID_HTML });
    expect(up.status, up.text).toBe(201);
    expect(up.body.data).toMatchObject({ kind: 'html', built_in: false, filename: 'Our-HTML.html', size: Buffer.byteLength(LIQUID_HTML) });
    const list = await api.get('/report-templates');
    expect(list.body.data.slice(0, 4).map((t: any) => t.id)).toEqual(['builtin-typst', 'builtin-docx', 'builtin-html', 'builtin-markdown']);
    expect(list.body.data.map((t: any) => t.id)).toContain(up.body.data.id);
    expect((await api.get('/report-templates?kind=html')).body.data.map((t: any) => t.kind)).toEqual(['html', 'html']);

    const { report, file } = await generate(api, { project_id: project.id, format: 'html', template_id: up.body.data.id });
    expect(report).toMatchObject({ template_id: up.body.data.id, template_name: 'Our HTML' });
    expect(file.text).toContain('<h1>Penetration Test Report</h1>');
    expect(file.text).toContain('<p>Müller &amp; Söhne GmbH</p>');
    expect(file.text).toContain(`F-01 ${findings.critical.title}`);
    expect(file.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;'); // finding text: escaped
    expect(file.text).not.toContain('<script>'); // the template's own script: removed
    expect(file.text).not.toContain('javascript:');
    expect(file.text).not.toContain('onclick');

    const dl = await api.get(`/report-templates/${up.body.data.id}/download`);
    expect(dl.text).toBe(LIQUID_HTML);
    expect((await api.get('/report-templates/builtin-html/download')).text).toContain('{% for f in findings %}');
    expect((await api.del('/report-templates/builtin-html')).status).toBe(403);
    expect((await api.del(`/report-templates/${up.body.data.id}`)).status).toBe(204);
    expect((await api.get(`/reports/${report.id}`)).body.data).toMatchObject({ template_id: null, template_name: 'Our HTML' });
  });

  it('renders a Markdown template with user text escaped', async () => {
    const { project } = await engagement();
    const up = await api.post('/report-templates', { name: 'Our MD', kind: 'markdown', content: '# {{ report.title }}\n{% for f in findings %}\n## {{ f.title }}\n{% endfor %}\n' });
    expect(up.status, up.text).toBe(201);
    const { file } = await generate(api, { project_id: project.id, format: 'markdown', template_id: up.body.data.id });
    expect(file.text).toContain('## \\#read("/etc/passwd") \\$x\\$ \\{\\{ constructor \\}\\}');
  });

  it('uses the project\'s default template, else the client\'s, when a report names none', async () => {
    const { project, client: cl } = await engagement();
    const a = (await api.post('/report-templates', { name: 'Client MD', kind: 'markdown', content: 'CLIENT {{ project.name }}' })).body.data;
    const b = (await api.post('/report-templates', { name: 'Project MD', kind: 'markdown', content: 'PROJECT {{ project.name }}' })).body.data;
    await server.db.tenant(tenant.id, (q) => q.query('UPDATE clients SET report_template_id = $3 WHERE tenant_id = $1 AND id = $2', [tenant.id, cl.id, a.id]));
    expect((await generate(api, { project_id: project.id, format: 'markdown' })).file.text).toBe('CLIENT Q3 Web Pentest');
    await server.db.tenant(tenant.id, (q) => q.query('UPDATE projects SET report_template_id = $3 WHERE tenant_id = $1 AND id = $2', [tenant.id, project.id, b.id]));
    expect((await generate(api, { project_id: project.id, format: 'markdown' })).file.text).toBe('PROJECT Q3 Web Pentest');
    // A default of another kind does not apply to this format; null asks for the built-in design.
    expect((await generate(api, { project_id: project.id, format: 'html' })).report.template_id).toBeNull();
    expect((await generate(api, { project_id: project.id, format: 'markdown', template_id: null })).file.text).toContain('## Document control');
  });

  it('refuses a broken template at upload, naming the placeholder and line, and templates that reach for code or files', async () => {
    const refuse = async (content: string, pattern: RegExp, kind = 'html') => {
      const r = await api.post('/report-templates', { name: 'Broken', kind, content });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.details[0].field).toBe('content');
      expect(r.body.error.details[0].message).toMatch(pattern);
    };
    await refuse('<p>ok</p>\n{% for f in findings %}\n<p>{{ f.title }}</p>', /for.*not closed.*line 2/i);
    await refuse('line one\n{{ report.titel }}', /undefined variable: report\.titel.*line 2/i);
    await refuse('{{ report.title | evil }}', /undefined filter: evil/i);
    await refuse('{% include "/etc/passwd" %}', /template error/i);
    await refuse('{{ report.constructor }}', /undefined variable/i, 'markdown');
    await refuse('{{ findings.constructor.constructor }}', /undefined variable/i);
    const r = await api.post('/report-templates', { name: 'Both', kind: 'html', content: 'x', content_base64: 'eA==' });
    expect(r.body.error.details[0].field).toBe('content');
    expect((await api.post('/report-templates', { name: 'No docx text', kind: 'docx', content: 'x' })).body.error.details[0].field).toBe('content_base64');
    expect((await api.post('/report-templates', { name: 'x', kind: 'exe', content: 'x' })).body.error.details[0].field).toBe('kind');
  });

  it('fails a report whose template takes too long, by stopping its render process', async () => {
    const slow = await startServer({ env: { NEURO_REPORT_POLL_MS: '50', NEURO_REPORT_TIMEOUT_SECONDS: '2' } });
    try {
      const t = await slow.createTenant();
      const c = client(slow.url, t.token);
      const { project } = await engagement(c);
      const loop = '{% for a in (1..100000) %}{% for b in (1..100000) %}{{ a }}{% endfor %}{% endfor %}';
      // Refused at upload already (the check has the same deadline)…
      const up = await c.post('/report-templates', { name: 'Slow', kind: 'markdown', content: loop });
      expect(up.status).toBe(400);
      expect(up.body.error.message).toMatch(/longer than 2 s/);
      // …and one stored behind the API's back fails its report instead of rendering for ever.
      await slow.db.tenant(t.id, (q) => q.query(
        `INSERT INTO report_templates (tenant_id, id, name, kind, filename, content, size, sha256) VALUES ($1, 'tpl_slow', 'Slow', 'markdown', 'slow.md', $2, 1, 'x')`,
        [t.id, Buffer.from(loop)]));
      const r = (await c.post('/reports', { project_id: project.id, format: 'markdown', template_id: 'tpl_slow' })).body.data;
      const done = await waitForReport(c, r.id);
      expect(done).toMatchObject({ status: 'failed', error: expect.stringMatching(/longer than 2 s/) });
      const next = await generate(c, { project_id: project.id, format: 'json' }); // a fresh render process takes the next job
      expect(next.report.status).toBe('completed');
    } finally {
      await slow.close();
    }
  });
});

describe('branding', () => {
  const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000' + '1f15c4890000000d49444154789c6360f80f0000010101005b1a0b0d0000000049454e44ae426082', 'hex');

  it('lets an admin set company name, accent colour, classification, footer and a PNG logo the built-in design uses', async () => {
    const { project } = await engagement();
    const put = await api.put('/settings/report', {
      company_name: 'Acme Security', accent_color: '#AA3366', default_classification: 'TLP:AMBER', footer_text: 'Acme · Confidential',
      logo: { content_type: 'image/png', data: PNG.toString('base64') },
    });
    expect(put.status, put.text).toBe(200);
    expect(put.body.data).toMatchObject({ company_name: 'Acme Security', accent_color: '#aa3366', default_classification: 'TLP:AMBER', logo: { content_type: 'image/png', size: PNG.length } });
    const logo = await fetch(`${server.url}/settings/report/logo`, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(Buffer.from(await logo.arrayBuffer()).equals(PNG)).toBe(true);
    const { report, file } = await generate(api, { project_id: project.id, format: 'html' });
    expect(report.classification).toBe('TLP:AMBER');
    expect(file.text).toContain('--accent: #aa3366');
    expect(file.text).toContain(`data:image/png;base64,${PNG.toString('base64')}`);
    expect(file.text).toContain('Acme · Confidential');
    expect((await api.put('/settings/report', { logo: null })).body.data.logo).toBeNull();
  });

  it('refuses a logo that is not what it says, or an SVG with script, and non-admins', async () => {
    const bad = async (logo: object) => {
      const r = await api.put('/settings/report', { logo });
      expect(r.status, r.text).toBe(400);
      expect(r.body.error.details[0].field).toMatch(/^logo/);
    };
    await bad({ content_type: 'image/png', data: Buffer.from('GIF89a').toString('base64') });
    await bad({ content_type: 'image/svg+xml', data: Buffer.from('<svg onload="alert(1)"/>').toString('base64') });
    await bad({ content_type: 'image/svg+xml', data: Buffer.from('<svg><script>alert(1)</script></svg>').toString('base64') });
    await bad({ content_type: 'image/svg+xml', data: Buffer.from('<svg><image href="https://evil/x.png"/></svg>').toString('base64') });
    await bad({ content_type: 'image/gif', data: 'R0lG' });
    expect((await api.put('/settings/report', { accent_color: 'red' })).body.error.details[0].field).toBe('accent_color');
    const tester = client(server.url, await server.mintToken(tenant, ['reports:read', 'reports:write'], 'tester'));
    expect((await tester.get('/settings/report')).status).toBe(403);
    expect((await tester.put('/settings/report', { company_name: 'x' })).status).toBe(403);
  });
});

describe('the queue', () => {
  it('keeps queued and running jobs across a restart: a new server renders them', async () => {
    const first = await startServer({ env: { NEURO_REPORT_WORKER: 'false' } });
    try {
      const t = await first.createTenant();
      const c = client(first.url, t.token);
      const { project } = await engagement(c);
      const queued = (await c.post('/reports', { project_id: project.id, format: 'json' })).body.data;
      const crashed = (await c.post('/reports', { project_id: project.id, format: 'csv' })).body.data;
      // No worker here: queued stays queued, and a download is a 409 meanwhile.
      expect((await c.get(`/reports/${queued.id}/download`)).status).toBe(409);
      // As if an instance died mid-render: running, leased by nobody alive, the lease run out.
      await first.db.tenant(t.id, (q) => q.query(
        "UPDATE reports SET status = 'running', lease_owner = 'dead-instance', lease_until = now() - interval '1 second', attempts = 1 WHERE tenant_id = $1 AND id = $2",
        [t.id, crashed.id]));
      await first.app.close();
      const second = await buildApp({ config: { ...first.config, reports: { ...first.config.reports, worker: true, pollMs: 50 } }, db: first.db, secret: first.secret, logger: false });
      await second.listen({ port: 0, host: '127.0.0.1' });
      try {
        const c2 = client(`http://127.0.0.1:${(second.server.address() as { port: number }).port}/api/v1`, t.token);
        expect((await waitForReport(c2, queued.id)).status).toBe('completed');
        const redone = await waitForReport(c2, crashed.id);
        expect(redone.status).toBe('completed');
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });
  it('hands a job that is rendering at shutdown back to the queue, and the next server completes it', async () => {
    const first = await startServer({ env: { NEURO_REPORT_POLL_MS: '50' } });
    try {
      const t = await first.createTenant();
      const c = client(first.url, t.token);
      const { project } = await engagement(c);
      // A template that keeps the render process busy for a while (stored directly: uploads render it too).
      // About a second and a half of rendering on an idle machine: long enough to be caught running.
      const slow = '{% for a in (1..1500) %}{% for b in (1..1000) %}.{% endfor %}{% endfor %}done';
      await first.db.tenant(t.id, (q) => q.query(
        "INSERT INTO report_templates (tenant_id, id, name, kind, filename, content, size, sha256) VALUES ($1, 'tpl_busy', 'Busy', 'markdown', 'busy.md', $2, 1, 'x')",
        [t.id, Buffer.from(slow)]));
      const job = (await c.post('/reports', { project_id: project.id, format: 'markdown', template_id: 'tpl_busy' })).body.data;
      for (let i = 0; i < 400 && (await c.get(`/reports/${job.id}`)).body.data.status !== 'running'; i++) await new Promise((r) => setTimeout(r, 25));
      expect((await c.get(`/reports/${job.id}`)).body.data.status).toBe('running');
      await first.app.close(); // what SIGTERM does: the worker stops and hands the job back
      const { rows } = await first.db.tenant(t.id, (q) => q.query<{ status: string; lease_owner: string | null; attempts: number }>(
        'SELECT status, lease_owner, attempts FROM reports WHERE tenant_id = $1 AND id = $2', [t.id, job.id]));
      expect(rows[0]).toEqual({ status: 'queued', lease_owner: null, attempts: 0 });
      const second = await buildApp({ config: { ...first.config, reports: { ...first.config.reports, pollMs: 50 } }, db: first.db, secret: first.secret, logger: false });
      await second.listen({ port: 0, host: '127.0.0.1' });
      try {
        const c2 = client(`http://127.0.0.1:${(second.server.address() as { port: number }).port}/api/v1`, t.token);
        const done = await waitForReport(c2, job.id, 120_000);
        expect(done.status, JSON.stringify(done)).toBe('completed');
        expect((await c2.get(`/reports/${job.id}/download`)).text.endsWith('done')).toBe(true);
      } finally {
        await second.close();
      }
    } finally {
      await first.close();
    }
  });
});

describe('access', () => {
  it('needs reports:read to read and reports:write to generate, upload and delete; another tenant sees nothing', async () => {
    const { project } = await engagement();
    const { report } = await generate(api, { project_id: project.id, format: 'json' });
    const tpl = (await api.post('/report-templates', { name: 'T', kind: 'markdown', content: '{{ report.title }}' })).body.data;
    const none = client(server.url, await server.mintToken(tenant, ['findings:read']));
    const readOnly = client(server.url, await server.mintToken(tenant, ['reports:read']));
    for (const path of [`/reports`, `/reports/${report.id}`, `/reports/${report.id}/download`, `/projects/${project.id}/reports`, '/report-templates', `/report-templates/${tpl.id}`, `/report-templates/${tpl.id}/download`]) {
      expect((await none.get(path)).status, path).toBe(403);
      expect((await readOnly.get(path)).status, path).toBe(200);
    }
    for (const c of [none, readOnly]) {
      expect((await c.post('/reports', { project_id: project.id, format: 'json' })).status).toBe(403);
      expect((await c.del(`/reports/${report.id}`)).status).toBe(403);
      expect((await c.post('/report-templates', { name: 'x', kind: 'markdown', content: 'x' })).status).toBe(403);
      expect((await c.del(`/report-templates/${tpl.id}`)).status).toBe(403);
    }

    const other = await server.createTenant();
    const them = client(server.url, other.token);
    for (const path of [`/reports/${report.id}`, `/reports/${report.id}/download`, `/projects/${project.id}/reports`, `/report-templates/${tpl.id}`, `/report-templates/${tpl.id}/download`]) {
      expect((await them.get(path)).status, path).toBe(404);
    }
    expect((await them.get('/reports')).body.meta.total).toBe(0);
    expect((await them.get('/report-templates')).body.data.every((t: any) => t.built_in)).toBe(true);
    expect((await them.del(`/reports/${report.id}`)).status).toBe(404);
    expect((await them.del(`/report-templates/${tpl.id}`)).status).toBe(404);
    const cross = await them.post('/reports', { project_id: project.id, format: 'json' });
    expect(cross.status).toBe(400);
    expect(cross.body.error.details[0].field).toBe('project_id');
    const crossTpl = await them.post('/reports', { project_id: (await them.post('/projects', { name: 'Theirs' })).body.data.id, format: 'markdown', template_id: tpl.id });
    expect(crossTpl.body.error.details[0].field).toBe('template_id');
    // The report and template are still there for their owner.
    expect((await api.get(`/reports/${report.id}`)).status).toBe(200);
    expect((await api.get(`/report-templates/${tpl.id}`)).status).toBe(200);
  });
});

/** RFC 4180 CSV, as a spreadsheet reads it. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}

describe('DOCX through the API', () => {
  it('renders the built-in DOCX and a tenant docxtemplater template', async () => {
    const { project, findings } = await engagement();
    const { report, file } = await generate(api, { project_id: project.id, format: 'docx' });
    expect(file.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const res = await fetch(`${server.url}/reports/${report.id}/download`, { headers: { authorization: `Bearer ${tenant.token}` } });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 2).toString()).toBe('PK');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(report.sha256);
    const { default: PizZip } = await import('pizzip');
    const xml = new PizZip(bytes).file('word/document.xml')!.asText();
    const at = [findings.critical, findings.high, findings.medium, findings.low].map((f) => xml.indexOf(f.title.split(':')[1]!.trim().replace('&', '&amp;')));
    expect(at.every((p, i) => p > 0 && (i === 0 || p > at[i - 1]!)), JSON.stringify(at)).toBe(true);
    expect(xml).not.toContain('Excluded: false positive');

    const example = await fetch(`${server.url}/report-templates/builtin-docx/download`, { headers: { authorization: `Bearer ${tenant.token}` } });
    const up = await api.post('/report-templates', { name: 'Our Word', kind: 'docx', content_base64: Buffer.from(await example.arrayBuffer()).toString('base64') });
    expect(up.status, up.text).toBe(201);
    const templated = await generate(api, { project_id: project.id, format: 'docx', template_id: up.body.data.id });
    const tRes = await fetch(`${server.url}/reports/${templated.report.id}/download`, { headers: { authorization: `Bearer ${tenant.token}` } });
    const tXml = new PizZip(Buffer.from(await tRes.arrayBuffer())).file('word/document.xml')!.asText();
    expect(tXml).toContain('SQL injection');
    expect(tXml).toContain('Q3 Web Pentest');
    const bad = await api.post('/report-templates', { name: 'Not Word', kind: 'docx', content_base64: Buffer.from('hello').toString('base64') });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('content');
  });
});

describe('PDF through the API', () => {
  it('renders the built-in PDF with every included title in order, and a tenant Typst template', async () => {
    const { execFileSync } = await import('node:child_process');
    const { project, findings } = await engagement();
    const { report } = await generate(api, { project_id: project.id, format: 'pdf' });
    const res = await fetch(`${server.url}/reports/${report.id}/download`, { headers: { authorization: `Bearer ${tenant.token}` } });
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(report.sha256);
    const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: bytes }).toString('utf8');
    const body = text.slice(text.lastIndexOf('Findings summary'));
    const at = [findings.critical, findings.high, findings.medium, findings.low].map((f) => body.lastIndexOf(f.title.split(':')[1]!.trim()));
    expect(at.every((p, i) => p > 0 && (i === 0 || p > at[i - 1]!)), JSON.stringify(at)).toBe(true);
    expect(text).not.toContain('Excluded: false positive');
    expect(text).toContain('#read("/etc/passwd")');
    expect(text).toMatch(/Page 1 of \d+/);

    const example = await fetch(`${server.url}/report-templates/builtin-typst/download`, { headers: { authorization: `Bearer ${tenant.token}` } });
    const up = await api.post('/report-templates', { name: 'Our Typst', kind: 'typst', content: await example.text() });
    expect(up.status, up.text).toBe(201);
    const templated = await generate(api, { project_id: project.id, format: 'pdf', template_id: up.body.data.id });
    expect(templated.report.template_name).toBe('Our Typst');
    const bad = await api.post('/report-templates', { name: 'Broken Typst', kind: 'typst', content: '#let x = \n#read("/etc/passwd")' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toMatchObject({ field: 'content', message: expect.stringMatching(/line \d+/) });
    const net = await api.post('/report-templates', { name: 'Net Typst', kind: 'typst', content: '#import "@preview/cetz:0.3.0": *\nhi' });
    expect(net.status).toBe(400);

    // Untagged by default (a quarter of the size); tagged for screen readers when the tenant asks.
    const tagged = (pdf: Buffer) => /Tagged:\s+yes/.test(execFileSync('pdfinfo', ['-'], { input: pdf, stdio: ['pipe', 'pipe', 'ignore'] }).toString());
    expect(tagged(bytes)).toBe(false);
    expect((await api.put('/settings/report', { tagged_pdf: true })).body.data.tagged_pdf).toBe(true);
    const accessible = await generate(api, { project_id: project.id, format: 'pdf' });
    const accessibleBytes = Buffer.from(await (await fetch(`${server.url}/reports/${accessible.report.id}/download`, { headers: { authorization: `Bearer ${tenant.token}` } })).arrayBuffer());
    expect(tagged(accessibleBytes)).toBe(true);
    await api.put('/settings/report', { tagged_pdf: false });
  });
});
