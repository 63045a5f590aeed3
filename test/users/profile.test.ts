import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, raw, setup, teardown, type Setup } from '../helpers/index.js';

/** PATCH /user: a user changes their own name (Settings → Profile), whatever their role. */
let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(() => teardown(s));


describe('PATCH /user', () => {
  it('a viewer renames themselves with their session; GET /user shows it and the change is audited', async () => {
    const v = await s.server.createUser(s.tenant, { role: 'viewer', name: 'Vic Viewer' });
    const api = client(s.server.url, (await s.server.login(s.tenant, v)).access_token);
    const res = await api.request('PATCH', '/user', { body: JSON.stringify({ name: 'Victoria Viewer' }), headers: { 'content-type': 'application/json' } });
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ id: v.id, name: 'Victoria Viewer', role: 'viewer' });
    expect((await api.get('/user')).body.data.name).toBe('Victoria Viewer');
    const audit = await s.api.get(`/audit-logs?object_id=${v.id}`);
    if (audit.status === 200) expect(JSON.stringify(audit.body.data)).toContain('Victoria Viewer');
  });

  it('refuses a role or active change and an empty name (400)', async () => {
    const u = await s.server.createUser(s.tenant, { role: 'tester' });
    const api = client(s.server.url, (await s.server.login(s.tenant, u)).access_token);
    const patch = (body: unknown) => api.request('PATCH', '/user', { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    expectError(await patch({ name: 'x', role: 'admin' }), 400, 'VALIDATION_ERROR');
    expectError(await patch({ name: '' }), 400, 'VALIDATION_ERROR', ['name']);
    expect((await s.api.get(`/users/${u.id}`)).body.data.role).toBe('tester');
  });

  it('a token without the admin scope (403) and a service account (403) are refused', async () => {
    const u = await s.server.createUser(s.tenant, { role: 'admin' });
    const session = client(s.server.url, (await s.server.login(s.tenant, u)).access_token);
    const key = await session.post('/user/api-keys', { name: 'narrow', scopes: ['findings:read'] });
    expect(key.status, key.text).toBe(201);
    const narrow = client(s.server.url, key.body.data.key);
    const body = { body: JSON.stringify({ name: 'Nope' }), headers: { 'content-type': 'application/json' } };
    expectError(await narrow.request('PATCH', '/user', body), 403, 'FORBIDDEN');
    const sa = client(s.server.url, await s.server.mintToken(s.tenant, ['admin']));
    expectError(await sa.request('PATCH', '/user', body), 403, 'FORBIDDEN');
  });

  it('another tenant’s credential cannot reach this tenant (401 on its host) and renames only its own user', async () => {
    const other = await s.server.createTenant();
    const theirs = await s.server.createUser(other, { role: 'admin', name: 'Other Admin' });
    const ours = await s.server.createUser(s.tenant, { role: 'admin', name: 'Our Admin' });
    const token = (await s.server.login(other, theirs)).access_token;
    const body = JSON.stringify({ name: 'Renamed' });
    const onOurHost = await raw(`${s.server.url}/user`, {
      method: 'PATCH', body: { name: 'Renamed' }, headers: { authorization: `Bearer ${token}`, host: `${s.tenant.slug}.localhost:${s.server.port}` },
    });
    expect(onOurHost.status, onOurHost.text).toBe(401);
    const plain = await client(s.server.url, token).request('PATCH', '/user', { body, headers: { 'content-type': 'application/json' } });
    expect(plain.status, plain.text).toBe(200);
    expect(plain.body.data.id).toBe(theirs.id);
    expect((await s.api.get(`/users/${ours.id}`)).body.data.name).toBe('Our Admin');
    expect((await s.api.get(`/users/${theirs.id}`)).status).toBe(404);
  });
});
