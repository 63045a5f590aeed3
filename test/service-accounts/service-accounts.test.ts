import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, raw, setup, teardown, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;

beforeAll(async () => {
  s = await setup();
  ({ server, tenant } = s);
});
afterAll(() => teardown(s));

describe('service accounts and admin keys', () => {
  it('creates a service account, mints its token within its role, lists all tokens, revokes', async () => {
    const admin = client(server.url, tenant.token);
    const sa = await admin.post('/service-accounts', { name: 'Scanner', role: 'tester', description: 'nightly scans' });
    expect(sa.status).toBe(201);
    expect(sa.body.data).toMatchObject({ name: 'Scanner', role: 'tester', active: true, token_count: 0 });
    const beyond = await admin.post('/api-keys', { service_account_id: sa.body.data.id, name: 'x', scopes: ['users:write'] });
    expect(beyond.status).toBe(403);
    const unknownSa = await admin.post('/api-keys', { service_account_id: 'sa_nope', name: 'x' });
    expect(unknownSa.status).toBe(400);
    const minted = await admin.post('/api-keys', { service_account_id: sa.body.data.id, label: 'scanner token', scopes: ['findings:write', 'findings:read'] });
    expect(minted.status).toBe(201);
    expect(minted.body.data).toMatchObject({ kind: 'service', service_account_id: sa.body.data.id, name: 'scanner token', label: 'scanner token' });
    const token = minted.body.data.key;
    expect((await client(server.url, token).get('/findings')).status).toBe(200);
    const me = await client(server.url, token).get('/user');
    expect(me.body.data).toMatchObject({ type: 'service_account', id: sa.body.data.id, role: 'tester' });
    expect((await admin.get(`/service-accounts/${sa.body.data.id}`)).body.data.token_count).toBe(1);

    const all = await admin.get('/api-keys?limit=100');
    expect(all.status).toBe(200);
    expect(all.body.data.map((k: any) => k.id)).toContain(minted.body.data.id);
    expect(all.text).not.toContain(token);
    expect((await admin.get(`/api-keys?service_account_id=${sa.body.data.id}`)).body.meta.total).toBe(1);
    expect((await admin.get('/api-keys?status=bogus')).status).toBe(400);

    // A role change applies to its tokens at once.
    expect((await admin.put(`/service-accounts/${sa.body.data.id}`, { role: 'viewer' })).status).toBe(200);
    const denied = await client(server.url, token).post('/findings', { project_id: 'x', title: 'y' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('PERMISSION_DENIED');

    const del = await admin.del(`/api-keys/${minted.body.data.id}`);
    expect(del.status).toBe(204);
    expect((await client(server.url, token).get('/findings')).status).toBe(401);
    expect((await admin.del('/api-keys/tok_missing')).status).toBe(404);
  });

  it('deleting a service account revokes its tokens at once', async () => {
    const admin = client(server.url, tenant.token);
    const sa = (await admin.post('/service-accounts', { name: 'CI', role: 'manager' })).body.data;
    const t1 = (await admin.post('/api-keys', { service_account_id: sa.id, name: 'a' })).body.data;
    const t2 = (await admin.post('/api-keys', { service_account_id: sa.id, name: 'b', scopes: ['projects:read'] })).body.data;
    expect((await client(server.url, t1.key).get('/projects')).status).toBe(200);
    expect((await client(server.url, t2.key).get('/projects')).status).toBe(200);
    expect((await admin.del(`/service-accounts/${sa.id}`)).status).toBe(204);
    expect((await client(server.url, t1.key).get('/projects')).status).toBe(401);
    expect((await client(server.url, t2.key).get('/projects')).status).toBe(401);
    expect((await admin.get(`/service-accounts/${sa.id}`)).status).toBe(404);
    expect((await admin.get('/service-accounts')).body.data.map((s: any) => s.id)).not.toContain(sa.id);
    const revoked = await admin.get(`/api-keys?service_account_id=${sa.id}&status=revoked`);
    expect(revoked.body.meta.total).toBe(2);
  });

  it('validates service account input', async () => {
    const admin = client(server.url, tenant.token);
    const bad = await admin.post('/service-accounts', { name: 'x', role: 'root' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('role');
    expect((await admin.put('/service-accounts/sa_missing', { name: 'y' })).status).toBe(404);
    expect((await admin.put('/service-accounts/sa_missing', {})).status).toBe(400);
  });

  it('admin endpoints need the admin scope', async () => {
    const manager = await server.mintToken(tenant, ['projects:read', 'users:read'], 'manager');
    for (const [m, p] of [['GET', '/api-keys'], ['POST', '/api-keys'], ['GET', '/service-accounts'], ['POST', '/service-accounts'], ['GET', '/audit-log']] as const) {
      const res = await raw(`${server.url}${p}`, { method: m, headers: { authorization: `Bearer ${manager}` }, body: m === 'POST' ? {} : undefined });
      expect(res.status, `${m} ${p}`).toBe(403);
    }
  });
});
