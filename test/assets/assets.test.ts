import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, setup, teardown, type Setup } from '../helpers/index.js';

let s: Setup;
let projectId: string;
beforeAll(async () => {
  s = await setup();
  projectId = (await s.make.project()).id;
});
afterAll(() => teardown(s));

const ids = (res: { body: { data: { id: string }[] } }) => res.body.data.map((x) => x.id);

describe('assets', () => {
  it('creates, reads, updates, lists and deletes an asset', async () => {
    const { api } = s;
    const created = await api.post('/assets', {
      project_id: projectId, name: 'api.acme.example', type: 'domain', description: 'Public API', tags: ['prod'],
    });
    expect(created.status).toBe(201);
    const a = created.body.data;
    expect(a).toMatchObject({ project_id: projectId, name: 'api.acme.example', type: 'domain', description: 'Public API', tags: ['prod'], finding_count: 0 });
    expect(a.id).toMatch(/^asset_[0-9a-z]{26}$/);
    expect((await api.get(`/assets/${a.id}`)).body).toEqual({ success: true, data: a });

    const upd = await api.put(`/assets/${a.id}`, { type: 'url', name: 'https://api.acme.example', description: null });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ type: 'url', name: 'https://api.acme.example', description: null, tags: ['prod'] });

    expect(ids(await api.get('/assets?limit=100'))).toContain(a.id);
    expect(ids(await api.get(`/projects/${projectId}/assets?limit=100`))).toContain(a.id);

    expect((await api.del(`/assets/${a.id}`)).status).toBe(204);
    expectError(await api.get(`/assets/${a.id}`), 404, 'NOT_FOUND');
    expectError(await api.del(`/assets/${a.id}`), 404, 'NOT_FOUND');
    expectError(await api.put(`/assets/${a.id}`, { name: 'x' }), 404, 'NOT_FOUND');
    expectError(await api.post('/assets', { project_id: 'proj_missing', name: 'x', type: 'host' }), 400, 'VALIDATION_ERROR', ['project_id']);
  });

  it('accepts every asset type', async () => {
    for (const type of ['host', 'ip', 'domain', 'url', 'application', 'network', 'cloud', 'repository', 'other']) {
      expect((await s.make.asset(projectId, { type })).type).toBe(type);
    }
  });

  it("counts and lists an asset's findings, both ways; deleting the asset keeps the finding", async () => {
    const { api, make } = s;
    const p = await make.project();
    const a = await make.asset(p.id);
    const b = await make.asset(p.id);
    const f1 = await make.finding(p.id, { asset_ids: [a.id] });
    const f2 = await make.finding(p.id, { asset_ids: [a.id, b.id] });
    await make.finding(p.id);
    expect((await api.get(`/assets/${a.id}`)).body.data.finding_count).toBe(2);
    expect((await api.get(`/assets/${b.id}`)).body.data.finding_count).toBe(1);
    const list = await api.get(`/assets/${a.id}/findings`);
    expect(list.status).toBe(200);
    expect(ids(list).sort()).toEqual([f1.id, f2.id].sort());
    expect(list.body.meta.total).toBe(2);
    // The total is the asset's links: unlinking one, or deleting its finding, counts one fewer.
    expect((await api.put(`/findings/${f2.id}`, { asset_ids: [b.id] })).status).toBe(200);
    expect((await api.get(`/assets/${a.id}/findings?limit=1`)).body.meta.total).toBe(1);
    expect((await api.put(`/findings/${f2.id}`, { asset_ids: [a.id, b.id] })).status).toBe(200);
    const f3 = await make.finding(p.id, { asset_ids: [a.id] });
    expect((await api.del(`/findings/${f3.id}`)).status).toBe(204);
    expect((await api.get(`/assets/${a.id}/findings?limit=1`)).body.meta.total).toBe(2);
    const own = await api.get(`/projects/${p.id}/assets`);
    expect(ids(own).sort()).toEqual([a.id, b.id].sort());
    expect(own.body.meta.total).toBe(2);
    expectError(await api.get('/assets/asset_nope/findings'), 404, 'NOT_FOUND');
    expectError(await api.get('/projects/proj_nope/assets'), 404, 'NOT_FOUND');

    expect((await api.del(`/assets/${a.id}`)).status).toBe(204);
    expect((await api.get(`/findings/${f1.id}`)).body.data.asset_ids).toEqual([]);
    expect((await api.get(`/findings/${f2.id}`)).body.data.asset_ids).toEqual([b.id]);
  });
});
