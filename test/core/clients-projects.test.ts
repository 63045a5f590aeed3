import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ISO_UTC, setup, type Setup, teardown } from './factories.js';

let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(() => teardown(s));

describe('clients', () => {
  it('creates, reads, updates, lists and deletes a client', async () => {
    const { api } = s;
    const created = await api.post('/clients', {
      name: 'Acme Corp',
      contact_name: 'Jane Roe',
      contact_email: 'jane@acme.example',
      website: 'https://acme.example',
      notes: 'Pays on time',
    });
    expect(created.status).toBe(201);
    const c = created.body.data;
    expect(created.body.success).toBe(true);
    expect(c).toMatchObject({
      name: 'Acme Corp', contact_name: 'Jane Roe', contact_email: 'jane@acme.example',
      website: 'https://acme.example', notes: 'Pays on time', project_count: 0,
    });
    expect(c.id).toMatch(/^client_[0-9a-z]{26}$/);
    expect(c.created_at).toMatch(ISO_UTC);
    expect(c.updated_at).toMatch(ISO_UTC);

    const got = await api.get(`/clients/${c.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual({ success: true, data: c });

    const updated = await api.put(`/clients/${c.id}`, { notes: null, contact_name: 'John Roe' });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({ name: 'Acme Corp', notes: null, contact_name: 'John Roe' });
    expect(updated.body.data.updated_at >= c.updated_at).toBe(true);
    expect(updated.body.data.created_at).toBe(c.created_at);

    const list = await api.get('/clients');
    expect(list.status).toBe(200);
    expect(list.body.data.map((x: { id: string }) => x.id)).toContain(c.id);
    expect(list.body.meta).toMatchObject({ page: 1, limit: 50 });

    const del = await api.del(`/clients/${c.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectError(await api.get(`/clients/${c.id}`), 404, 'NOT_FOUND');
    expectError(await api.del(`/clients/${c.id}`), 404, 'NOT_FOUND');
    expectError(await api.put(`/clients/${c.id}`, { name: 'x' }), 404, 'NOT_FOUND');
  });

  it('refuses to delete a client while projects reference it (409), then allows it', async () => {
    const { api, make } = s;
    const c = await make.client();
    const p = await make.project({ client_id: c.id });
    expect((await api.get(`/clients/${c.id}`)).body.data.project_count).toBe(1);
    expectError(await api.del(`/clients/${c.id}`), 409, 'CONFLICT');
    expect((await api.get(`/clients/${c.id}`)).status).toBe(200);
    await api.put(`/projects/${p.id}`, { client_id: null });
    expect((await api.del(`/clients/${c.id}`)).status).toBe(204);
  });

  it("lists a client's projects", async () => {
    const { api, make } = s;
    const c = await make.client();
    const other = await make.client();
    const p1 = await make.project({ client_id: c.id });
    const p2 = await make.project({ client_id: c.id, status: 'completed' });
    await make.project({ client_id: other.id });
    const res = await api.get(`/clients/${c.id}/projects`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((p: { id: string }) => p.id).sort()).toEqual([p1.id, p2.id].sort());
    expect(res.body.meta).toEqual({ page: 1, limit: 50, total: 2, pages: 1 });
    const filtered = await api.get(`/clients/${c.id}/projects?status=completed`);
    expect(filtered.body.data.map((p: { id: string }) => p.id)).toEqual([p2.id]);
    expect(filtered.body.meta.total).toBe(1);
    expectError(await api.get('/clients/client_nope/projects'), 404, 'NOT_FOUND');
  });
});

describe('projects', () => {
  it('creates with defaults, reads, updates and lists a project', async () => {
    const { api, make } = s;
    const minimal = await api.post('/projects', { name: 'Q1 Pentest' });
    expect(minimal.status).toBe(201);
    expect(minimal.body.data).toMatchObject({
      name: 'Q1 Pentest', client_id: null, status: 'planned', description: null, scope: null,
      start_date: null, end_date: null, tags: [], finding_count: 0,
    });
    expect(minimal.body.data.id).toMatch(/^proj_[0-9a-z]{26}$/);

    const c = await make.client();
    const full = await api.post('/projects', {
      name: 'Web app test', client_id: c.id, status: 'in_progress', description: 'Black box',
      scope: '*.acme.example', start_date: '2024-01-15', end_date: '2024-02-15', tags: ['web', 'external'],
    });
    expect(full.status).toBe(201);
    const p = full.body.data;
    expect(p).toMatchObject({
      client_id: c.id, status: 'in_progress', start_date: '2024-01-15', end_date: '2024-02-15', tags: ['web', 'external'],
    });
    expect((await api.get(`/projects/${p.id}`)).body.data).toEqual(p);

    const upd = await api.put(`/projects/${p.id}`, { status: 'completed', end_date: '2024-03-01', tags: [] });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ status: 'completed', end_date: '2024-03-01', tags: [], name: 'Web app test' });

    const list = await api.get('/projects?limit=100');
    const ids = list.body.data.map((x: { id: string }) => x.id);
    expect(ids).toEqual(expect.arrayContaining([minimal.body.data.id, p.id]));
    expect(list.body.meta.total).toBe(list.body.data.length);
  });

  it('refuses a client of nowhere and an end before the start', async () => {
    const { api, make } = s;
    expectError(await api.post('/projects', { name: 'x', client_id: 'client_missing' }), 400, 'VALIDATION_ERROR', ['client_id']);
    expectError(
      await api.post('/projects', { name: 'x', start_date: '2024-02-01', end_date: '2024-01-01' }),
      400, 'VALIDATION_ERROR', ['end_date'],
    );
    const p = await make.project({ start_date: '2024-02-01' });
    expectError(await api.put(`/projects/${p.id}`, { end_date: '2024-01-01' }), 400, 'VALIDATION_ERROR', ['end_date']);
    expect((await api.get(`/projects/${p.id}`)).body.data.end_date).toBeNull();
    expectError(await api.put(`/projects/${p.id}`, { client_id: 'client_missing' }), 400, 'VALIDATION_ERROR', ['client_id']);
  });

  it('deletes a project with its findings and assets', async () => {
    const { api, make } = s;
    const p = await make.project();
    const a = await make.asset(p.id);
    const f = await make.finding(p.id, { asset_ids: [a.id], severity: 'High' });
    const keep = await make.project();
    const kf = await make.finding(keep.id, { severity: 'High' });
    expect((await api.get(`/projects/${p.id}`)).body.data.finding_count).toBe(1);

    expect((await api.del(`/projects/${p.id}`)).status).toBe(204);
    expectError(await api.get(`/projects/${p.id}`), 404, 'NOT_FOUND');
    expectError(await api.get(`/findings/${f.id}`), 404, 'NOT_FOUND');
    expectError(await api.get(`/assets/${a.id}`), 404, 'NOT_FOUND');
    expectError(await api.get(`/projects/${p.id}/findings`), 404, 'NOT_FOUND');
    expectError(await api.del(`/projects/${p.id}`), 404, 'NOT_FOUND');
    const high = await api.get('/findings?severity=High');
    expect(high.body.data.map((x: { id: string }) => x.id)).toContain(kf.id);
    expect(high.body.data.map((x: { id: string }) => x.id)).not.toContain(f.id);
    expect(high.body.meta.total).toBe(high.body.data.length);
    const { rows } = await s.server.db.tenant(s.tenant.id, (q) =>
      q.query('SELECT count(*)::int AS n FROM finding_assets WHERE tenant_id = $1 AND finding_id = $2', [s.tenant.id, f.id]),
    );
    expect(rows[0]!.n).toBe(0);
  });
});
