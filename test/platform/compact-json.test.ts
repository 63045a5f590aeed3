import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Response, CVSS31_CRITICAL, setup, type Setup, teardown } from '../helpers/index.js';

/**
 * Every JSON body is compact: no `"id" : "…"` or `", "` spacing outside string values, on every
 * GET of the API (single objects and lists, the ones PostgreSQL renders included) and on writes.
 */
let s: Setup;
const ids: Record<string, string> = {};
let session: string;
const writes: [string, Response][] = [];
// Text that has colons, commas, quotes and spaces of its own, which must stay as they are.
const TRICKY = 'a " : b, c\t"d", : {"x" : 1}\nline é 🚀';

beforeAll(async () => {
  s = await setup();
  const { api } = s;
  const w = async (name: string, res: Promise<Response>) => {
    const r = await res;
    expect(r.status, `${name}: ${r.text}`).toBeLessThan(300);
    writes.push([name, r]);
    return r.body.data;
  };
  ids.client = (await w('POST /clients', api.post('/clients', { name: TRICKY, notes: TRICKY, website: 'https://acme.example' }))).id;
  ids.project = (await w('POST /projects', api.post('/projects', { name: 'P', client_id: ids.client, tags: ['a', 'b c'], start_date: '2024-01-15' }))).id;
  ids.asset = (await w('POST /assets', api.post('/assets', { project_id: ids.project, name: 'host', type: 'host', tags: ['x'] }))).id;
  ids.finding = (await w('POST /findings', api.post('/findings', {
    project_id: ids.project, title: TRICKY, description: TRICKY, cvss_vector: CVSS31_CRITICAL, tags: ['web', 'ext'],
    references: ['https://x.example/a', 'https://x.example/b'], cve: ['CVE-2024-1234'], asset_ids: [ids.asset], cwe: 'CWE-89',
  }))).id;
  await w('POST /findings (batched)', api.post('/findings', { project_id: ids.project, title: 'second', tags: ['t'] }));
  await w('PUT /findings', api.put(`/findings/${ids.finding}`, { status: 'Confirmed', title: `${TRICKY} 2` }));
  await w('PUT /clients', api.put(`/clients/${ids.client}`, { contact_name: TRICKY }));
  ids.webhook = (await w('POST /webhooks', api.post('/webhooks', { url: 'http://93.184.215.14/hook', events: ['finding.created'], description: TRICKY }))).id;
  await w('POST /webhooks/test', api.post(`/webhooks/${ids.webhook}/test`));
  await w('POST /webhooks/rotate-secret', api.post(`/webhooks/${ids.webhook}/rotate-secret`));
  const user = await s.server.createUser(s.tenant, { name: TRICKY });
  ids.user = user.id;
  session = (await s.server.login(s.tenant, user)).access_token;
  ids.serviceAccount = (await w('POST /service-accounts', api.post('/service-accounts', { name: TRICKY, role: 'tester' }))).id;
  ids.key = (await w('POST /api-keys', api.post('/api-keys', { service_account_id: ids.serviceAccount, name: TRICKY, scopes: ['findings:read'] }))).id;
  await w('POST /user/api-keys', client(s.server.url, session).post('/user/api-keys', { name: 'mine', scopes: ['findings:read'] }));
  await w('POST /user/mcp-tokens', client(s.server.url, session).post('/user/mcp-tokens', { name: 'assistant', scopes: ['findings:read'] }));
  await w('PUT /users', api.put(`/users/${ids.user}`, { role: 'tester' }));
  ids.oauthClient = (await w('POST /oauth2/clients', api.post('/oauth2/clients', { name: TRICKY, client_type: 'public', redirect_uris: ['https://app.example/cb'], scopes: ['findings:read'] }))).id;
  ids.template = (await w('POST /report-templates', api.post('/report-templates', { name: TRICKY, kind: 'markdown', content: '{{ report.title }}' }))).id;
  ids.report = (await w('POST /reports', api.post('/reports', { project_id: ids.project, format: 'csv', title: TRICKY }))).id;
  await w('PUT /settings/report', api.put('/settings/report', { company_name: TRICKY }));
  for (let i = 0; i < 600 && (await api.get(`/reports/${ids.report}`)).body.data.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 50));
});
afterAll(() => teardown(s));

const compact = (text: string) => JSON.stringify(JSON.parse(text));

function pathFor(template: string): string {
  const first = template.split('/')[1]!;
  const byResource: Record<string, string> = {
    clients: ids.client!, projects: ids.project!, assets: ids.asset!, findings: ids.finding!, users: ids.user!,
    'service-accounts': ids.serviceAccount!, webhooks: ids.webhook!, 'api-keys': ids.key!, reports: ids.report!,
    'report-templates': ids.template!,
  };
  if (template.startsWith('/oauth2/clients/')) return template.replace('{id}', ids.oauthClient!);
  return template.replace('{id}', byResource[first]!).replace('{key_id}', ids.key!);
}

describe('compact JSON', () => {
  it('on every GET of the API description, objects and lists', async () => {
    const doc = (await s.api.get('/openapi.json')).body;
    const paths = Object.entries<Record<string, unknown>>(doc.paths).filter(([, item]) => item.get).map(([p]) => p);
    expect(paths.length).toBeGreaterThan(30);
    const user = client(s.server.url, session);
    for (const template of paths) {
      // Files (report and template downloads, the logo) are documents of their own, not JSON of the API.
      if (/\/download$|\/logo$/.test(template)) continue;
      // The setup state is per tenant host (a test tenant is never the bootstrap one): test/auth/setup.test.ts.
      if (template === '/setup') continue;
      // So is the SSO status (or ?tenant=): test/sso/sign-in.test.ts.
      if (template === '/auth/sso') continue;
      // Not JSON: the events stream (text/event-stream) never ends.
      const content = (doc.paths[template].get.responses?.['200']?.content ?? {}) as Record<string, unknown>;
      if (!content['application/json']) continue;
      // A delivery needs a delivery first: test/webhooks/delivery.test.ts reads one.
      if (template.includes('{delivery_id}')) continue;
      // A pending OAuth authorization and its grants need a browser's consent first:
      // test/oauth/authorization-code.test.ts reads those (and checks their lists are compact).
      if (template.startsWith('/auth/oauth2/interaction/') || template.endsWith('/oauth2/grants')) continue;
      const path = pathFor(template);
      const res = await (template.startsWith('/user/') || template === '/user' ? user : s.api).get(path);
      expect(res.status, `${path}: ${res.text.slice(0, 300)}`).toBe(200);
      expect(res.text, path).toBe(compact(res.text));
      if (Array.isArray(res.body.data)) expect(res.body.data.length, path).toBeGreaterThan(0);
    }
  });

  it('on the answers of writes', () => {
    expect(writes.length).toBeGreaterThan(10);
    for (const [name, res] of writes) expect(res.text, name).toBe(compact(res.text));
  });

  it('keeps the text of values exactly', async () => {
    const got = await s.api.get(`/clients/${ids.client}`);
    expect(got.body.data.name).toBe(TRICKY);
    expect(got.body.data.contact_name).toBe(TRICKY);
    const f = (await s.api.get(`/findings/${ids.finding}`)).body.data;
    expect(f).toMatchObject({ cvss_score: 9.8, asset_ids: [ids.asset], tags: ['web', 'ext'], cve: ['CVE-2024-1234'] });
  });
});
