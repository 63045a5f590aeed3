import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant } from '../helpers/server.js';
import { client } from '../helpers/http.js';

describe('reports smoke', () => {
  let server: TestServer;
  let tenant: TestTenant;
  beforeAll(async () => {
    server = await startServer({ env: { NEURO_REPORT_POLL_MS: '50' } });
    tenant = await server.createTenant();
  });
  afterAll(async () => {
    console.log(server.logs.filter((l) => /"level":[45]0/.test(l)).join('\n'));
    await server?.close();
  });
  it('renders json, csv, markdown, html', async () => {
    const api = client(server.url, tenant.token);
    const p = (await api.post('/projects', { name: 'Smoke' })).body.data;
    await api.post('/findings', { project_id: p.id, title: 'XSS', severity: 'High', description: '# Heading\n\n*em*' });
    for (const format of ['json', 'csv', 'markdown', 'html']) {
      const r = await api.post('/reports', { project_id: p.id, format });
      expect(r.status, r.text).toBe(202);
      let rep = r.body.data;
      for (let i = 0; i < 200 && !['completed', 'failed'].includes(rep.status); i++) {
        await new Promise((res) => setTimeout(res, 100));
        rep = (await api.get(`/reports/${rep.id}`)).body.data;
      }
      expect(rep.status, JSON.stringify(rep)).toBe('completed');
      const d = await api.get(`/reports/${rep.id}/download`);
      expect(d.status).toBe(200);
      console.log(format, rep.version, rep.filename, d.headers.get('content-type'), d.text.slice(0, 80));
    }
  });
});
