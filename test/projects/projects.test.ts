import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, setup, teardown, type Setup } from '../helpers/index.js';

let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(() => teardown(s));

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
