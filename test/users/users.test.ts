import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, factories, raw, setup, teardown, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  // At the production argon2id cost (buildApp's default, which the harness lowers elsewhere):
  // the first test checks the stored hash's parameters.
  s = await setup({ realPasswordCost: true });
  ({ server, tenant } = s);
  admin = client(server.url, tenant.token);
}, 180_000);
afterAll(() => teardown(s));

const strong = 'correct horse battery staple 9';

describe('users', () => {
  it('creates a user with a lower-cased email, never answering password material', async () => {
    const res = await admin.post('/users', { email: 'Alice@Example.COM', name: 'Alice', role: 'manager', password: strong });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ email: 'alice@example.com', name: 'Alice', role: 'manager', active: true, totp_enabled: false });
    expect(res.body.data.id).toMatch(/^user_/);
    expect(Object.keys(res.body.data).sort()).toEqual(['active', 'created_at', 'email', 'id', 'name', 'role', 'totp_enabled', 'updated_at']);
    const { rows } = await server.db.tenant(tenant.id, (q) => q.query<{ password_hash: string }>('SELECT password_hash FROM users WHERE id = $1', [res.body.data.id]));
    expect(rows[0]!.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    const dup = await admin.post('/users', { email: 'ALICE@example.com', name: 'Other', role: 'viewer' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.details[0].field).toBe('email');
    // Unique per tenant only.
    const other = await server.createTenant();
    expect((await client(server.url, other.token).post('/users', { email: 'alice@example.com', name: 'A', role: 'viewer' })).status).toBe(201);
  });

  it('refuses weak passwords: short, the email, common', async () => {
    const cases: [string, string][] = [
      ['short pw', 'at least 12'],
      ['bob.builder@example.com', 'email'],
      ['password1234', 'common'],
      ['qwertyuiop123', 'common'],
      ['aaaaaaaaaaaaaaaa', 'repeat'],
    ];
    for (const [password, words] of cases) {
      const res = await admin.post('/users', { email: 'bob.builder@example.com', name: 'Bob', role: 'viewer', password });
      expect(res.status, password).toBe(400);
      expect(res.body.error.details[0].field).toBe('password');
      expect(res.body.error.details[0].message).toMatch(new RegExp(words.split(' ')[0]!));
    }
    expect((await admin.post('/users', { email: 'bob.builder@example.com', name: 'Bob', role: 'viewer', password: 'PASSWORD1234' })).status).toBe(400);
    expect((await admin.post('/users', { email: 'not-an-email', name: 'Bob', role: 'viewer' })).status).toBe(400);
    expect((await admin.post('/users', { email: 'b@example.com', name: 'Bob', role: 'god' })).status).toBe(400);
  });

  it('lists, gets, updates the role (audited as user.role_changed) and filters', async () => {
    const u = await server.createUser(tenant, { role: 'viewer' });
    const got = await admin.get(`/users/${u.id}`);
    expect(got.body.data.role).toBe('viewer');
    const upd = await admin.put(`/users/${u.id}`, { role: 'tester', name: 'Renamed' });
    expect(upd.status).toBe(200);
    expect(upd.body.data).toMatchObject({ role: 'tester', name: 'Renamed' });
    const list = await admin.get('/users?role=tester&search=renamed');
    expect(list.body.data.map((x: any) => x.id)).toContain(u.id);
    const events = await admin.get(`/audit-log?object_id=${u.id}&action=user.role_changed`);
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].changes).toEqual({ role: { old: 'viewer', new: 'tester' } });
    expect((await admin.put('/users/user_missing', { name: 'x' })).status).toBe(404);
    expect((await admin.put(`/users/${u.id}`, { email: 'new@example.com' })).status).toBe(400);
  });

  it('deactivation (DELETE or active:false) stops sessions and tokens at once; reactivation restores neither', async () => {
    const u = await server.createUser(tenant, { role: 'tester' });
    const t = await server.login(tenant, u);
    const key = (await client(server.url, t.access_token).post('/user/api-keys', { name: 'k' })).body.data.key;
    expect((await client(server.url, key).get('/findings')).status).toBe(200);
    expect((await admin.put(`/users/${u.id}`, { active: false })).status).toBe(200);
    expect((await client(server.url, key).get('/findings')).status).toBe(401);
    expect((await client(server.url, t.access_token).get('/user')).status).toBe(401);
    expect((await raw(`${server.url}/auth/refresh`, { method: 'POST', body: { refresh_token: t.refresh_token } })).status).toBe(401);
    expect((await admin.put(`/users/${u.id}`, { active: true })).status).toBe(200);
    // Deactivation revoked the tokens: reactivation does not bring them back (README).
    expect((await client(server.url, key).get('/findings')).status).toBe(401);
    expect((await client(server.url, t.access_token).get('/user')).status).toBe(401); // sessions stay ended
    const t2 = await server.login(tenant, u);
    const key2 = (await client(server.url, t2.access_token).post('/user/api-keys', { name: 'k2' })).body.data.key;
    expect((await client(server.url, key2).get('/findings')).status).toBe(200);
    expect((await admin.del(`/users/${u.id}`)).status).toBe(204);
    expect((await client(server.url, key2).get('/findings')).status).toBe(401);
    expect((await admin.put(`/users/${u.id}`, { active: true })).status).toBe(200);
    expect((await client(server.url, key2).get('/findings')).status).toBe(401);
    await admin.put(`/users/${u.id}`, { active: false });
    expect((await admin.get(`/users/${u.id}`)).body.data.active).toBe(false);
    const ev = await admin.get(`/audit-log?object_id=${u.id}&action=user.deactivated`);
    expect(ev.body.data).toHaveLength(3);
    expect((await admin.del('/users/user_missing')).status).toBe(404);
  });

  it('deactivation revokes the user’s API and MCP tokens for good, audited, and the admin list shows them revoked', async () => {
    for (const how of ['put', 'delete'] as const) {
      const u = await server.createUser(tenant, { role: 'tester' });
      const s = client(server.url, (await server.login(tenant, u)).access_token);
      const api = (await s.post('/user/api-keys', { name: 'api' })).body.data;
      const mcp = (await s.post('/user/mcp-tokens', { name: 'mcp' })).body.data;
      const expired = (await s.post('/user/api-keys', { name: 'short', expires_at: new Date(Date.now() + 60_000).toISOString() })).body.data;
      const early = (await s.post('/user/api-keys', { name: 'already revoked' })).body.data;
      expect((await s.del(`/user/api-keys/${early.id}`)).status).toBe(204);
      // Cached on this instance before the deactivation.
      for (const k of [api, mcp, expired]) expect((await client(server.url, k.key).get('/findings')).status).toBe(200);
      if (how === 'put') expect((await admin.put(`/users/${u.id}`, { active: false })).status).toBe(200);
      else expect((await admin.del(`/users/${u.id}`)).status).toBe(204);
      for (const k of [api, mcp, expired]) expect((await client(server.url, k.key).get('/findings')).status).toBe(401);
      const list = await admin.get(`/api-keys?user_id=${u.id}&limit=100`);
      expect(list.body.meta.total).toBe(4);
      for (const k of list.body.data) {
        expect(k.status, k.name).toBe('revoked');
        expect(k.revoked_at, k.name).not.toBeNull();
      }
      expect((await admin.get(`/api-keys?user_id=${u.id}&status=active`)).body.meta.total).toBe(0);
      const revokedEvents = await admin.get(`/audit-log?action=token.revoked&limit=100`);
      const ids = revokedEvents.body.data.map((e: any) => e.object_id);
      for (const k of [api, mcp, expired, early]) expect(ids, k.name).toContain(k.id);
      // Once each: the key revoked before is not revoked again.
      expect(ids.filter((id: string) => id === early.id)).toHaveLength(1);
      expect((await admin.put(`/users/${u.id}`, { active: true })).status).toBe(200);
      for (const k of [api, mcp, expired]) expect((await client(server.url, k.key).get('/findings')).status).toBe(401);
      expect((await admin.get(`/api-keys?user_id=${u.id}&status=active`)).body.meta.total).toBe(0);
    }
  });

  it('an admin cannot demote or deactivate themselves', async () => {
    const a = await server.createUser(tenant, { role: 'admin' });
    const api = client(server.url, (await server.login(tenant, a)).access_token);
    expect((await api.put(`/users/${a.id}`, { role: 'viewer' })).status).toBe(409);
    expect((await api.del(`/users/${a.id}`)).status).toBe(409);
    expect((await api.put(`/users/${a.id}`, { name: 'Still me' })).status).toBe(200);
  });

  it('managers read users but cannot change them; GET /user is the caller', async () => {
    const m = await server.createUser(tenant, { role: 'manager' });
    const api = client(server.url, (await server.login(tenant, m)).access_token);
    expect((await api.get('/users')).status).toBe(200);
    const denied = await api.post('/users', { email: 'z@example.com', name: 'z', role: 'viewer' });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('PERMISSION_DENIED');
    expect((await api.get('/user')).body.data).toMatchObject({ id: m.id, role: 'manager', type: 'user' });
    expect((await client(server.url).get('/user')).status).toBe(401);
  });
});

describe('users (read)', () => {
  it('lists and gets users, never with secrets', async () => {
    // A tenant of its own, so that the list holds exactly these two.
    const t = await s.server.createTenant();
    const api = client(s.server.url, t.token);
    const make = factories(api, s.server, t);
    const u = await make.user({ email: 'ada@example.com', name: 'Ada', role: 'manager' });
    await make.user({ role: 'viewer', active: false });
    const list = await api.get('/users');
    expect(list.status).toBe(200);
    expect(list.body.meta).toEqual({ page: 1, limit: 50, total: 2, pages: 1 });
    const got = await api.get(`/users/${u.id}`);
    expect(got.status).toBe(200);
    expect(Object.keys(got.body.data)).toEqual(expect.arrayContaining(['active', 'created_at', 'email', 'id', 'name', 'role', 'updated_at']));
    expect(Object.keys(got.body.data).filter((k) => /password|hash|secret|totp_secret/.test(k))).toEqual([]);
    expect(got.body.data).toMatchObject({ id: u.id, email: 'ada@example.com', name: 'Ada', role: 'manager', active: true });
    expectError(await api.get('/users/user_nope'), 404, 'NOT_FOUND');
  });
});

