import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, raw, setup, teardown, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;

beforeAll(async () => {
  s = await setup();
  ({ server, tenant } = s);
}, 180_000);
afterAll(() => teardown(s));

const refresh = (token: string, headers: Record<string, string> = {}) =>
  raw(`${server.url}/auth/refresh`, { method: 'POST', body: { refresh_token: token }, headers });

describe('refresh tokens', () => {
  it('rotate: a new access and refresh token, and the old refresh token stops working', async () => {
    const user = await server.createUser(tenant);
    const first = await server.login(tenant, user);
    const next = await refresh(first.refresh_token);
    expect(next.status).toBe(200);
    expect(Object.keys(next.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(next.body.refresh_token).not.toBe(first.refresh_token);
    expect(next.body.access_token).not.toBe(first.access_token);
    expect((await client(server.url, next.body.access_token).get('/user')).status).toBe(200);
    const third = await refresh(next.body.refresh_token);
    expect(third.status).toBe(200);
  });

  it('a refresh token used twice revokes the whole session, newer tokens included (RFC 9700 §4.14.2)', async () => {
    const user = await server.createUser(tenant);
    const first = await server.login(tenant, user);
    const second = (await refresh(first.refresh_token)).body;
    const other = await server.login(tenant, user);
    const replay = await refresh(first.refresh_token);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('INVALID_TOKEN');
    expect((await refresh(second.refresh_token)).status).toBe(401);
    expect((await client(server.url, second.access_token).get('/user')).status).toBe(401);
    expect((await client(server.url, first.access_token).get('/user')).status).toBe(401);
    // Another session of the same user is untouched.
    expect((await client(server.url, other.access_token).get('/user')).status).toBe(200);
    const audit = await client(server.url, tenant.token).get(`/audit-log?actor=${user.id}&action=auth.refresh_reused`);
    expect(audit.body.data).toHaveLength(1);
  });

  it('refuses malformed and unknown refresh tokens, and access tokens posing as refresh tokens', async () => {
    const user = await server.createUser(tenant);
    const t = await server.login(tenant, user);
    for (const bad of ['nope', `nf_rt_${'0'.repeat(64)}`, t.access_token]) {
      const res = await refresh(bad);
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_TOKEN');
    }
    expect((await raw(`${server.url}/auth/refresh`, { method: 'POST', body: {} })).status).toBe(400);
    // And a refresh token is not an access token.
    expect((await client(server.url, t.refresh_token).get('/user')).status).toBe(401);
  });

  it('sessions end 30 days after login however often they are refreshed', async () => {
    const user = await server.createUser(tenant);
    const t = await server.login(tenant, user);
    const sid = JSON.parse(Buffer.from(t.access_token.split('.')[1]!, 'base64url').toString()).sid;
    const { rows } = await server.db.tenant(tenant.id, (q) =>
      q.query<{ days: number }>("SELECT round(extract(epoch FROM expires_at - created_at) / 86400)::int AS days FROM sessions WHERE id = $1", [sid]),
    );
    expect(rows[0]!.days).toBe(30);
    await server.db.tenant(tenant.id, (q) => q.query("UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1", [sid]));
    expect((await refresh(t.refresh_token)).status).toBe(401);
  });

  it('a refresh token of one tenant is refused on another tenant’s host', async () => {
    const user = await server.createUser(tenant);
    const t = await server.login(tenant, user);
    const other = await server.createTenant();
    expect((await refresh(t.refresh_token, { host: `${other.slug}.localhost` })).status).toBe(401);
    expect((await refresh(t.refresh_token, { host: `${tenant.slug}.localhost` })).status).toBe(200);
  });
});

describe('sessions', () => {
  it('lists the caller’s sessions with IP, user agent and times, and ends one', async () => {
    const user = await server.createUser(tenant);
    const a = await server.login(tenant, user);
    const b = (await raw(`${server.url}/auth/login`, {
      method: 'POST', body: { email: user.email, password: user.password }, headers: { 'user-agent': 'second-device/2.0' },
    })).body;
    const api = client(server.url, a.access_token);
    const list = await api.get('/user/sessions');
    expect(list.status).toBe(200);
    expect(list.body.meta.total).toBe(2);
    const current = list.body.data.find((s: any) => s.current);
    const second = list.body.data.find((s: any) => !s.current);
    expect(current).toMatchObject({ ip: '127.0.0.1' });
    expect(second).toMatchObject({ user_agent: 'second-device/2.0' });
    for (const s of list.body.data) expect(Object.keys(s).sort()).toEqual(['created_at', 'current', 'expires_at', 'id', 'ip', 'last_used_at', 'user_agent']);
    expect((await api.del(`/user/sessions/${second.id}`)).status).toBe(204);
    expect((await client(server.url, b.access_token).get('/user')).status).toBe(401);
    expect((await refresh(b.refresh_token)).status).toBe(401);
    expect((await api.get('/user/sessions')).body.meta.total).toBe(1);
    // Someone else's session is not found.
    const stranger = await server.createUser(tenant);
    const s = await server.login(tenant, stranger);
    expect((await client(server.url, s.access_token).del(`/user/sessions/${current.id}`)).status).toBe(404);
    expect((await api.get('/user')).status).toBe(200);
  });

  it('logout ends the session and its refresh token', async () => {
    const user = await server.createUser(tenant);
    const t = await server.login(tenant, user);
    expect((await client(server.url, t.access_token).post('/auth/logout')).status).toBe(204);
    expect((await client(server.url, t.access_token).get('/user')).status).toBe(401);
    expect((await refresh(t.refresh_token)).status).toBe(401);
    const audit = await client(server.url, tenant.token).get(`/audit-log?actor=${user.id}&action=auth.logout`);
    expect(audit.body.data).toHaveLength(1);
  });

  it('logout and account endpoints need a session, not an API token', async () => {
    const res = await client(server.url, tenant.token).post('/auth/logout');
    expect(res.status).toBe(403);
    expect((await client(server.url, tenant.token).get('/user/sessions')).status).toBe(403);
  });
});

describe('password change', () => {
  it('needs the current password, applies the policy, ends the other sessions and is audited', async () => {
    const user = await server.createUser(tenant);
    const a = await server.login(tenant, user);
    const b = await server.login(tenant, user);
    const api = client(server.url, a.access_token);
    const wrong = await api.put('/user/password', { current_password: 'not it at all', new_password: 'a brand new password 42' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.details[0].field).toBe('current_password');
    const weak = await api.put('/user/password', { current_password: user.password, new_password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details[0].field).toBe('new_password');
    const ok = await api.put('/user/password', { current_password: user.password, new_password: 'a brand new password 42' });
    expect(ok.status).toBe(204);
    expect((await api.get('/user')).status).toBe(200);
    expect((await client(server.url, b.access_token).get('/user')).status).toBe(401);
    expect((await refresh(b.refresh_token)).status).toBe(401);
    const login = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password } });
    expect(login.status).toBe(401);
    expect((await server.login(tenant, { email: user.email, password: 'a brand new password 42' })).access_token).toBeTruthy();
    const audit = await client(server.url, tenant.token).get(`/audit-log?actor=${user.id}&action=user.password_changed`);
    expect(audit.body.data).toHaveLength(1);
  });
});
