import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant } from './helpers/server.js';
import { client } from './helpers/http.js';

let server: TestServer;
let tenant: TestTenant;

beforeAll(async () => {
  server = await startServer();
  tenant = await server.createTenant();
});
afterAll(() => server?.close());

describe('smoke', () => {
  it('creates a project and a finding, and lists them', async () => {
    const api = client(server.url, tenant.token);
    const project = await api.post('/projects', { name: 'Q1 Pentest' });
    expect(project.status).toBe(201);
    const finding = await api.post('/findings', { project_id: project.body.data.id, title: 'SQL Injection', cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' });
    expect(finding.status).toBe(201);
    expect(finding.body.data).toMatchObject({ severity: 'Critical', cvss_score: 9.8, status: 'Open' });
    const list = await api.get('/findings?severity=Critical&status=Open');
    expect(list.body.meta).toEqual({ page: 1, limit: 50, total: 1, pages: 1 });
    const search = await api.get('/findings?search=injection');
    expect(search.body.meta.total).toBe(1);
  });
});
