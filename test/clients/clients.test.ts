import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, ISO_UTC, setup, teardown, type Setup } from '../helpers/index.js';

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
