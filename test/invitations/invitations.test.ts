import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, client, type Client, raw } from '../helpers/index.js';

/**
 * A user created without a password gets a one-time invitation link where they set one; an admin
 * can also issue a password reset link. Links expire, work once, are stored hashed, and a new one
 * replaces the old.
 */
let server: TestServer;
let tenant: TestTenant;
let admin: Client;
/** Every token and link a test saw, to check none reached the logs. */
const secrets: string[] = [];

beforeAll(async () => {
  server = await startServer({ env: { LOG_LEVEL: 'trace' } });
  tenant = await server.createTenant();
  admin = client(server.url, tenant.token);
}, 180_000);
afterAll(() => server?.close());

const strong = 'a long and new password 31';
const post = (path: string, body: unknown, headers: Record<string, string> = {}) => raw(`${server.url}${path}`, { method: 'POST', body, headers });
const login = (email: string, password: string) => post('/auth/login', { email, password, tenant: tenant.slug });
const INVALID = { success: false, error: { code: 'INVALID_TOKEN', message: 'This link is not valid: it may have expired or been used already' } };

function tokenOf(link: { url: string }): string {
  const url = new URL(link.url);
  const token = new URLSearchParams(url.hash.slice(1)).get('token')!;
  secrets.push(link.url, token);
  return token;
}

async function invite(overrides: Record<string, unknown> = {}, api = admin) {
  const email = `invitee-${Math.random().toString(36).slice(2)}@example.com`;
  const res = await api.post('/users', { email, name: 'Invited Person', role: 'tester', ...overrides });
  expect(res.status).toBe(201);
  return { res, id: res.body.data.id as string, email, token: tokenOf(res.body.data.invitation) };
}

describe('invitations', () => {
  it('a user created without a password gets a link; accepting it sets the password, and login works', async () => {
    const { res, id, email, token } = await invite();
    const data = res.body.data;
    expect(Object.keys(data).sort()).toEqual(['active', 'created_at', 'email', 'id', 'invitation', 'name', 'role', 'totp_enabled', 'updated_at']);
    expect(data.invitation.url).toMatch(new RegExp(`^${server.origin}/invite#token=nf_inv_[0-9a-f]{64}$`));
    const days = (new Date(data.invitation.expires_at).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    expect(res.headers.get('cache-control')).toBe('no-store');
    // The user record and the audit log never show it; the database keeps a keyed hash only.
    expect((await admin.get(`/users/${id}`)).text).not.toContain(token);
    const { rows } = await server.db.tenant(tenant.id, (q) => q.query<{ token_hash: Buffer; kind: string }>('SELECT token_hash, kind FROM invitations WHERE user_id = $1', [id]));
    expect(rows).toHaveLength(1);
    expect(rows[0]!.kind).toBe('invitation');
    expect(Buffer.from(rows[0]!.token_hash).toString('hex')).not.toContain(token.slice(7));
    expect(Buffer.from(rows[0]!.token_hash)).toHaveLength(32);

    expect((await login(email, strong)).status).toBe(401);
    const looked = await post('/auth/invitations/lookup', { token });
    expect(looked.status).toBe(200);
    expect(looked.body.data).toEqual({ kind: 'invitation', email, name: 'Invited Person', tenant: { slug: tenant.slug, name: expect.any(String) }, expires_at: data.invitation.expires_at });

    // The password policy applies, and a refused password does not use the link up.
    const weak = await post('/auth/invitations/accept', { token, password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.error.details[0].field).toBe('password');
    expect((await post('/auth/invitations/accept', { token, password: email })).status).toBe(400);

    const accepted = await post('/auth/invitations/accept', { token, password: strong });
    expect(accepted.status).toBe(204);
    const ok = await login(email, strong);
    expect(ok.status).toBe(200);
    expect((await client(server.url, ok.body.access_token).get('/user')).body.data).toMatchObject({ id, email, role: 'tester' });

    // Once only: the same answer as a token that never existed.
    const again = await post('/auth/invitations/accept', { token, password: 'another long password 2' });
    expect(again.status).toBe(401);
    expect(again.body).toEqual(INVALID);
    expect((await post('/auth/invitations/lookup', { token })).body).toEqual(INVALID);
    const unknown = await post('/auth/invitations/accept', { token: `nf_inv_${'0'.repeat(64)}`, password: strong });
    expect(unknown.body).toEqual(INVALID);
    expect((await post('/auth/invitations/accept', { token: 'garbage', password: strong })).body).toEqual(INVALID);
    expect((await login(email, 'another long password 2')).status).toBe(401);

    const events = await admin.get(`/audit-log?object_id=${id}&limit=100`);
    const actions = events.body.data.map((e: any) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['user.created', 'user.invited', 'user.invitation_accepted']));
    expect(events.body.data.find((e: any) => e.action === 'user.invitation_accepted').actor).toEqual({ type: 'user', id });
    expect(events.text).not.toContain(token);
  });

  it('an expired link is refused with the same answer', async () => {
    const { id, token } = await invite();
    await server.db.tenant(tenant.id, (q) => q.query("UPDATE invitations SET expires_at = now() - interval '1 second' WHERE user_id = $1", [id]));
    expect((await post('/auth/invitations/lookup', { token })).body).toEqual(INVALID);
    const res = await post('/auth/invitations/accept', { token, password: strong });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(INVALID);
    // A new invitation replaces it and works.
    const fresh = await admin.post(`/users/${id}/invitation`);
    expect(fresh.status).toBe(201);
    expect((await post('/auth/invitations/accept', { token: tokenOf(fresh.body.data), password: strong })).status).toBe(204);
  });

  it('a new invitation replaces the old one; a user with a password gets a reset instead (409)', async () => {
    const { id, email, token: first } = await invite();
    const second = await admin.post(`/users/${id}/invitation`);
    expect(second.status).toBe(201);
    expect(second.body.data.url).toMatch(/\/invite#token=nf_inv_/);
    const token = tokenOf(second.body.data);
    expect((await post('/auth/invitations/accept', { token: first, password: strong })).body).toEqual(INVALID);
    expect((await post('/auth/invitations/accept', { token, password: strong })).status).toBe(204);
    const conflict = await admin.post(`/users/${id}/invitation`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('CONFLICT');
    expect((await login(email, strong)).status).toBe(200);
    expect((await admin.post('/users/user_missing/invitation')).status).toBe(404);
  });

  it('two uses of one link at once: exactly one sets the password', async () => {
    const { email, token } = await invite();
    const passwords = Array.from({ length: 6 }, (_, i) => `concurrent password ${i} xyz`);
    const results = await Promise.all(passwords.map((password) => post('/auth/invitations/accept', { token, password })));
    expect(results.filter((r) => r.status === 204)).toHaveLength(1);
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    const logins = await Promise.all(passwords.map((p) => login(email, p)));
    expect(logins.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('deactivation ends an outstanding link; reactivation does not revive it', async () => {
    const { id, token } = await invite();
    expect((await admin.del(`/users/${id}`)).status).toBe(204);
    expect((await post('/auth/invitations/accept', { token, password: strong })).body).toEqual(INVALID);
    expect((await admin.put(`/users/${id}`, { active: true })).status).toBe(200);
    expect((await post('/auth/invitations/accept', { token, password: strong })).body).toEqual(INVALID);
    expect((await admin.put(`/users/${id}`, { active: false })).status).toBe(200);
    expect((await admin.post(`/users/${id}/invitation`)).status).toBe(409);
    expect((await admin.post(`/users/${id}/password-reset`)).status).toBe(409);
  });
});

describe('password reset', () => {
  it('an admin issues a link; it sets a new password, ends every session, works once', async () => {
    const user = await server.createUser(tenant, { role: 'viewer' });
    const s1 = await server.login(tenant, user);
    const s2 = await server.login(tenant, user);
    const issued = await admin.post(`/users/${user.id}/password-reset`);
    expect(issued.status).toBe(201);
    expect(issued.body.data.url).toMatch(new RegExp(`^${server.origin}/reset-password#token=nf_pwr_[0-9a-f]{64}$`));
    const minutes = (new Date(issued.body.data.expires_at).getTime() - Date.now()) / 60_000;
    expect(minutes).toBeGreaterThan(59);
    expect(minutes).toBeLessThanOrEqual(60);
    const token = tokenOf(issued.body.data);
    // Issuing changes nothing yet.
    expect((await client(server.url, s1.access_token).get('/user')).status).toBe(200);
    expect((await login(user.email, user.password)).status).toBe(200);

    // A reset link is not an invitation (and trying does not use it up).
    expect((await post('/auth/invitations/accept', { token, password: strong })).body).toEqual(INVALID);
    expect((await post('/auth/invitations/lookup', { token })).body.data).toMatchObject({ kind: 'password_reset', email: user.email });
    expect((await post('/auth/password-reset', { token, password: 'weak' })).status).toBe(400);

    const reset = await post('/auth/password-reset', { token, password: strong });
    expect(reset.status).toBe(204);
    for (const s of [s1, s2]) {
      expect((await client(server.url, s.access_token).get('/user')).status).toBe(401);
      expect((await post('/auth/refresh', { refresh_token: s.refresh_token })).status).toBe(401);
    }
    expect((await login(user.email, user.password)).status).toBe(401);
    expect((await login(user.email, strong)).status).toBe(200);
    expect((await post('/auth/password-reset', { token, password: 'yet another password 5' })).body).toEqual(INVALID);

    const events = await admin.get(`/audit-log?object_id=${user.id}&limit=100`);
    const byAction = Object.fromEntries(events.body.data.map((e: any) => [e.action, e]));
    expect(byAction['user.password_reset_issued'].actor.type).toBe('service_account');
    expect(byAction['user.password_reset']).toMatchObject({ actor: { type: 'user', id: user.id }, data: { sessions_revoked: 3 } });
    expect(events.text).not.toContain(token);
  });

  it('a reset replaces an outstanding invitation, and the reverse', async () => {
    const { id, email, token: inv } = await invite();
    const reset = tokenOf((await admin.post(`/users/${id}/password-reset`)).body.data);
    expect((await post('/auth/invitations/accept', { token: inv, password: strong })).body).toEqual(INVALID);
    expect((await post('/auth/password-reset', { token: reset, password: strong })).status).toBe(204);
    expect((await login(email, strong)).status).toBe(200);
  });
});

describe('who may issue and use links', () => {
  it('issuing needs users:write (403) and a user of the caller’s tenant (404)', async () => {
    const { id } = await invite();
    const readOnly = client(server.url, await server.mintToken(tenant, ['users:read'], 'admin'));
    const manager = await server.createUser(tenant, { role: 'manager' });
    const managerSession = client(server.url, (await server.login(tenant, manager)).access_token);
    const other = await server.createTenant();
    const otherAdmin = client(server.url, other.token);
    const otherUser = await server.createUser(other, { role: 'admin' });
    const otherSession = client(server.url, (await server.login(other, otherUser)).access_token);
    for (const path of [`/users/${id}/invitation`, `/users/${id}/password-reset`]) {
      const noScope = await readOnly.post(path);
      expect(noScope.status, path).toBe(403);
      expect(noScope.body.error).toEqual({ code: 'FORBIDDEN', message: 'Token does not have required scope' });
      const role = await managerSession.post(path);
      expect(role.status, path).toBe(403);
      expect(role.body.error.code).toBe('PERMISSION_DENIED');
      expect((await otherAdmin.post(path)).status, path).toBe(404);
      expect((await otherSession.post(path)).status, path).toBe(404);
      expect((await raw(`${server.url}${path}`, { method: 'POST' })).status, path).toBe(401);
    }
    // Creating a user without a password needs users:write too.
    expect((await readOnly.post('/users', { email: 'x@example.com', name: 'x', role: 'viewer' })).status).toBe(403);
    // Nothing was issued: the first link still works.
    expect((await server.db.tenant(tenant.id, (q) => q.query('SELECT 1 FROM invitations WHERE user_id = $1', [id]))).rows).toHaveLength(1);
  });

  it('a link works on its tenant’s host and on a plain host, never on another tenant’s host', async () => {
    const other = await server.createTenant();
    const { email, token } = await invite();
    const wrongHost = { host: `${other.slug}.localhost` };
    expect((await post('/auth/invitations/lookup', { token }, wrongHost)).body).toEqual(INVALID);
    expect((await post('/auth/invitations/accept', { token, password: strong }, wrongHost)).body).toEqual(INVALID);
    expect((await post('/auth/invitations/lookup', { token }, { host: `${tenant.slug}.localhost` })).status).toBe(200);
    expect((await post('/auth/invitations/accept', { token, password: strong }, { host: `${tenant.slug}.localhost` })).status).toBe(204);
    expect((await login(email, strong)).status).toBe(200);
    // The link points at the host the admin used.
    const onHost = await raw(`${server.url}/users`, {
      method: 'POST', headers: { host: `${tenant.slug}.localhost:8080`, authorization: `Bearer ${tenant.token}` },
      body: { email: `on-host-${Date.now()}@example.com`, name: 'On host', role: 'viewer' },
    });
    expect(onHost.status).toBe(201);
    expect(onHost.body.data.invitation.url).toMatch(new RegExp(`^http://${tenant.slug}\\.localhost:8080/invite#token=`));
    tokenOf(onHost.body.data.invitation);
  });

  it('bad input gets the envelope with the field, never a 500', async () => {
    const cases: [string, unknown, string][] = [
      ['/auth/invitations/lookup', {}, 'token'],
      ['/auth/invitations/lookup', { token: '' }, 'token'],
      ['/auth/invitations/lookup', { token: 'x'.repeat(300) }, 'token'],
      ['/auth/invitations/lookup', { token: 42 }, 'token'],
      ['/auth/invitations/accept', { token: 'nf_inv_x' }, 'password'],
      ['/auth/invitations/accept', { password: strong }, 'token'],
      ['/auth/invitations/accept', { token: 'nf_inv_x', password: strong, role: 'admin' }, 'role'],
      ['/auth/password-reset', { token: 'nf_pwr_x', password: 'x'.repeat(2000) }, 'password'],
      ['/auth/password-reset', { token: 'nf_pwr_\u0000', password: null }, 'password'],
    ];
    for (const [path, body, field] of cases) {
      const res = await post(path, body);
      expect(res.status, `${path} ${JSON.stringify(body).slice(0, 60)}`).toBe(400);
      expect(res.body.success).toBe(false);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect((await raw(`${server.url}/auth/password-reset`, { method: 'POST' })).status).toBe(400);
    const notJson = await fetch(`${server.url}/auth/password-reset`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'token=x' });
    expect(notJson.status).toBe(415);
    expect((await admin.post('/users/user_missing/password-reset')).status).toBe(404);
  });

  it('no token or link ever reaches the logs', async () => {
    expect(secrets.length).toBeGreaterThan(10);
    const logs = server.logs.join('\n');
    expect(logs.length).toBeGreaterThan(1000);
    for (const s of secrets) {
      expect(logs.includes(s), `log contains ${s.slice(0, 12)}…`).toBe(false);
      if (s.length >= 40) expect(logs.includes(s.slice(10, 40))).toBe(false);
    }
  });
});

describe('the public link endpoints are throttled like logins', () => {
  it('wrong tokens count per IP: 429 with Retry-After, and then a right one waits too', async () => {
    const s = await startServer({ env: { NEURO_LOGIN_MAX_FAILURES_PER_IP: '5', NEURO_LOGIN_WINDOW_SECONDS: '86400' } });
    try {
      const t = await s.createTenant();
      const created = await client(s.url, t.token).post('/users', { email: 'throttled@example.com', name: 'T', role: 'viewer' });
      const token = new URLSearchParams(new URL(created.body.data.invitation.url).hash.slice(1)).get('token')!;
      // A right lookup does not count.
      for (let i = 0; i < 6; i++) expect((await raw(`${s.url}/auth/invitations/lookup`, { method: 'POST', body: { token } })).status).toBe(200);
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) => raw(`${s.url}/auth/${i % 2 ? 'password-reset' : 'invitations/accept'}`, {
          method: 'POST', body: { token: `nf_inv_${String(i).padStart(64, '0')}`, password: strong },
        })),
      );
      expect(burst.filter((r) => r.status === 401).length).toBeLessThanOrEqual(5);
      const limited = burst.filter((r) => r.status === 429);
      expect(limited.length).toBeGreaterThanOrEqual(15);
      expect(Number(limited[0]!.headers['retry-after'])).toBeGreaterThan(0);
      expect((await raw(`${s.url}/auth/invitations/accept`, { method: 'POST', body: { token, password: strong } })).status).toBe(429);
      expect((await raw(`${s.url}/auth/invitations/lookup`, { method: 'POST', body: { token } })).status).toBe(429);
    } finally {
      await s.close();
    }
  }, 120_000);
});
