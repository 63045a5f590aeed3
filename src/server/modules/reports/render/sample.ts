import { FINDING_STATUSES, SEVERITIES, type FindingStatus, type Severity } from '../../../lib/severity.js';
import { MODEL_SCHEMA, type ReportFinding, type ReportFormat, type ReportModel } from './model.js';

/**
 * A made-up engagement in the content model: what template authors preview against, what the
 * tests render in every format, and what the report benchmark scales to 500 findings. It uses every
 * Markdown construct and four scripts, and text that would be markup in Typst, HTML or Word.
 */
const LONG_BODY = `The \`session\` cookie is issued without the **Secure** and *HttpOnly* flags, and the
application reflects the \`q\` parameter into the page without encoding.

## Details

1. Open the search page.
2. Send the payload below:
   - as a \`GET\` parameter;
   - as a \`POST\` body.

\`\`\`http
GET /search?q=%3Cscript%3Ealert(1)%3C/script%3E HTTP/1.1
Host: app.example.com
Cookie: session=eyJhbGciOi...; theme=dark
\`\`\`

| Parameter | Reflected | Encoded |
|:----------|:---------:|--------:|
| \`q\`       | yes       | no      |
| \`page\`    | no        | —       |

> Verified again on 2024-03-02 with a fresh account; see [OWASP A03](https://owasp.org/Top10/A03_2021-Injection/).

~~Fixed in 2.3~~ still present in 2.4. Characters that are markup elsewhere stay text:
#read("/etc/passwd") $x^2$ \\ {{constructor}} {% raw %} <b>not bold</b> & © — “quotes”.`;

const SCRIPTS = [
  'Prüfung der Zugangsdaten für Ärzte (Français: élévation de privilèges)',
  'Обход аутентификации в панели администратора',
  'Ευπάθεια διέλευσης καταλόγου στον διακομιστή',
  'ログイン画面の SQL インジェクション (中文：登录页面存在注入漏洞)',
];

const VECTORS: Record<Severity, string | null> = {
  Critical: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  High: 'CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:N',
  Medium: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N',
  Low: 'CVSS:4.0/AV:N/AC:H/AT:P/PR:L/UI:P/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N',
  Info: null,
};
const SCORES: Record<Severity, number | null> = { Critical: 9.8, High: 8.1, Medium: 6.1, Low: 1.9, Info: null };

export function sampleModel(opts: { findings?: number; format?: ReportFormat } = {}): ReportModel {
  const n = opts.findings ?? 10;
  const assets = [
    { id: 'asset_01sample0000000000000001', name: 'app.example.com', type: 'host', description: 'Production web application', finding_count: 0 },
    { id: 'asset_01sample0000000000000002', name: '203.0.113.10', type: 'ip', description: null, finding_count: 0 },
    { id: 'asset_01sample0000000000000003', name: 'api.example.com', type: 'url', description: 'REST API *v2*', finding_count: 0 },
  ];
  const findings: ReportFinding[] = [];
  for (let i = 0; i < n; i++) {
    const severity = SEVERITIES[i % SEVERITIES.length]!;
    const status: FindingStatus = FINDING_STATUSES[i % 5]!; // never False Positive: excluded by default
    const affected = assets.filter((_, k) => (i + k) % 2 === 0);
    for (const a of affected) a.finding_count++;
    findings.push({
      id: `find_01sample${String(i).padStart(16, '0')}`,
      ref: '',
      title: `${i < SCRIPTS.length ? SCRIPTS[i] : `Finding ${i + 1}: reflected cross-site scripting in search`}`,
      severity,
      status,
      cvss_vector: VECTORS[severity],
      cvss_score: SCORES[severity],
      cwe: i % 3 === 0 ? 'CWE-79' : null,
      cve: i % 4 === 0 ? ['CVE-2024-12345'] : [],
      assets: affected.map(({ id, name, type }) => ({ id, name, type })),
      // Every body a little different, as real findings are (identical text would let renderers share work).
      description: LONG_BODY.replace('Open the search page.', `Open the search page (case ${i + 1}).`).replace('2024-03-02', `2024-03-${String((i % 28) + 1).padStart(2, '0')}`),
      impact: `An attacker can run script in a victim's browser and **take over the session** of user ${i + 1}.`,
      steps_to_reproduce: '1. Log in as `alice`.\n2. Visit `/search?q=<svg onload=alert(1)>`.\n3. Observe the alert.',
      remediation: 'Encode output for its context, set `HttpOnly; Secure; SameSite=Lax` on cookies, and add a CSP:\n\n```\nContent-Security-Policy: default-src \'self\'\n```',
      references: ['https://owasp.org/www-community/attacks/xss/', 'https://cwe.mitre.org/data/definitions/79.html'],
      tags: ['web', i % 2 ? 'external' : 'internal'],
      created_at: '2024-03-01T09:00:00.000Z',
      updated_at: '2024-03-02T10:30:00.000Z',
    });
  }
  const rank = (s: Severity) => SEVERITIES.indexOf(s);
  findings.sort((a, b) => rank(a.severity) - rank(b.severity) || (b.cvss_score ?? -1) - (a.cvss_score ?? -1) || a.title.localeCompare(b.title));
  findings.forEach((f, i) => (f.ref = `F-${String(i + 1).padStart(n >= 100 ? 3 : 2, '0')}`));
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length])) as Record<Severity, number>;
  const byStatus = Object.fromEntries(FINDING_STATUSES.map((s) => [s, findings.filter((f) => f.status === s).length])) as Record<FindingStatus, number>;
  return {
    schema: MODEL_SCHEMA,
    report: {
      id: 'rep_01sample0000000000000000',
      title: 'Web Application Penetration Test',
      version: '1.1',
      classification: 'Confidential',
      format: opts.format ?? 'pdf',
      generated_at: '2024-03-04T12:00:00.000Z',
      author: { name: 'Ana Tester', email: 'ana@example.com' },
      template: null,
    },
    branding: { company_name: 'Acme Security GmbH', accent_color: '#0f766e', footer_text: 'Acme Security GmbH · Confidential', has_logo: false, tagged_pdf: false },
    client: { id: 'client_01sample000000000000000', name: 'Example Corp', contact_name: 'Jo Client', contact_email: 'jo@example.com', website: 'https://example.com' },
    project: {
      id: 'proj_01sample00000000000000000',
      name: 'Q1 Web Pentest',
      status: 'completed',
      description: 'A grey-box test of the **customer portal** and its API.',
      scope: '- `app.example.com` (production)\n- `api.example.com/v2`\n\nOut of scope: denial of service.',
      start_date: '2024-02-19',
      end_date: '2024-03-01',
      tags: ['web', 'api'],
    },
    document_control: [
      { version: '1.0', date: '2024-03-02', author: 'Ana Tester', format: 'pdf', title: 'Web Application Penetration Test' },
      { version: '1.1', date: '2024-03-04', author: 'Ana Tester', format: opts.format ?? 'pdf', title: 'Web Application Penetration Test' },
    ],
    include: { severities: [...SEVERITIES], statuses: FINDING_STATUSES.filter((s) => s !== 'False Positive') },
    summary: { total: findings.length, by_severity: bySeverity, by_status: byStatus },
    assets,
    findings,
  };
}
