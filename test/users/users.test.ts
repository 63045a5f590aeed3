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

  it('deactivation (DELETE or active:false) stops sessions and tokens at once; reactivation restores tokens', async () => {
    const u = await server.createUser(tenant, { role: 'tester' });
    const t = await server.login(tenant, u);
    const key = (await client(server.url, t.access_token).post('/user/api-keys', { name: 'k' })).body.data.key;
    expect((await client(server.url, key).get('/findings')).status).toBe(200);
    expect((await admin.put(`/users/${u.id}`, { active: false })).status).toBe(200);
    expect((await client(server.url, key).get('/findings')).status).toBe(401);
    expect((await client(server.url, t.access_token).get('/user')).status).toBe(401);
    expect((await raw(`${server.url}/auth/refresh`, { method: 'POST', body: { refresh_token: t.refresh_token } })).status).toBe(401);
    expect((await admin.put(`/users/${u.id}`, { active: true })).status).toBe(200);
    expect((await client(server.url, key).get('/findings')).status).toBe(200);
    expect((await client(server.url, t.access_token).get('/user')).status).toBe(401); // sessions stay ended
    expect((await admin.del(`/users/${u.id}`)).status).toBe(204);
    expect((await client(server.url, key).get('/findings')).status).toBe(401);
    expect((await admin.get(`/users/${u.id}`)).body.data.active).toBe(false);
    const ev = await admin.get(`/audit-log?object_id=${u.id}&action=user.deactivated`);
    expect(ev.body.data).toHaveLength(2);
    expect((await admin.del('/users/user_missing')).status).toBe(404);
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

