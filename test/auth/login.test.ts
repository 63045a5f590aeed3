import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, raw, setup, startServer, teardown, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;

beforeAll(async () => {
  // Failures count in fixed windows; a day-long one keeps a run from straddling a window's end.
  s = await setup({ env: { NEURO_LOGIN_MAX_FAILURES: '4', NEURO_LOGIN_MAX_FAILURES_PER_IP: '100000', NEURO_LOGIN_WINDOW_SECONDS: '86400' } });
  ({ server, tenant } = s);
}, 180_000);
afterAll(() => teardown(s));

const login = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  raw(`${server.url}/auth/login`, { method: 'POST', body, headers });

describe('login', () => {
  it('answers exactly access_token, refresh_token, token_type and expires_in, and the token works', async () => {
    const user = await server.createUser(tenant, { role: 'tester' });
    const res = await login({ email: user.email, password: user.password });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(res.body).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(res.body.access_token).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(res.headers['cache-control']).toBe('no-store');
    const me = await client(server.url, res.body.access_token).get('/user');
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: user.id, email: user.email, role: 'tester', type: 'user', credential: { kind: 'session' } });
    expect(me.text).not.toMatch(/password|totp_secret|argon/);
  });

  it('accepts the email in any case', async () => {
    const user = await server.createUser(tenant, { email: `MiXeD-${Date.now()}@Example.com` });
    expect(user.email).not.toBe(user.email.toLowerCase());
    const res = await login({ email: user.email.toUpperCase(), password: user.password });
    expect(res.status).toBe(200);
  });

  it('gives a wrong password and an unknown email the same 401', async () => {
    const user = await server.createUser(tenant);
    const wrong = await login({ email: user.email, password: 'not-the-password-at-all' });
    const unknown = await login({ email: `nobody-${Date.now()}@example.com`, password: 'not-the-password-at-all' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(wrong.body).toEqual(unknown.body);
    expect(wrong.body.error).toEqual({ code: 'UNAUTHORIZED', message: 'Invalid email or password' });
  });

  it('refuses a deactivated user with the same 401', async () => {
    const user = await server.createUser(tenant);
    expect((await client(server.url, tenant.token).del(`/users/${user.id}`)).status).toBe(204);
    const res = await login({ email: user.email, password: user.password });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe('Invalid email or password');
  });

  it('validates the body', async () => {
    const res = await login({ email: 'a@b.c' });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toContainEqual({ field: 'password', message: 'is required' });
    const extra = await login({ email: 'a@b.c', password: 'x', role: 'admin' });
    expect(extra.status).toBe(400);
  });
});

describe('finding the tenant', () => {
  it('uses the tenant of the host name', async () => {
    const other = await server.createTenant();
    const user = await server.createUser(other);
    const onHost = await login({ email: user.email, password: user.password }, { host: `${other.slug}.localhost` });
    expect(onHost.status).toBe(200);
    const onWrongHost = await login({ email: user.email, password: user.password }, { host: `${tenant.slug}.localhost` });
    expect(onWrongHost.status).toBe(401);
    const mismatch = await login({ email: user.email, password: user.password, tenant: tenant.slug }, { host: `${other.slug}.localhost` });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details[0].field).toBe('tenant');
  });

  it('on a plain host: the one account whose password matches; several matches → 400 asking for tenant', async () => {
    const a = await server.createTenant();
    const b = await server.createTenant();
    const email = `shared-${Date.now()}@example.com`;
    const ua = await server.createUser(a, { email, password: 'first tenant password 1' });
    const only = await login({ email, password: ua.password });
    expect(only.status).toBe(200);
    const ub = await server.createUser(b, { email, password: 'second tenant password 2' });
    // Each password opens its own tenant's account, without the tenant field.
    for (const [u, t] of [[ua, a], [ub, b]] as const) {
      const res = await login({ email, password: u.password });
      expect(res.status).toBe(200);
      expect((await client(server.url, res.body.access_token).get('/user')).body.data.tenant.slug).toBe(t.slug);
    }
    const chosen = await login({ email, password: 'second tenant password 2', tenant: b.slug });
    expect(chosen.status).toBe(200);
    const me = await client(server.url, chosen.body.access_token).get('/user');
    expect(me.body.data.tenant.slug).toBe(b.slug);
    expect((await login({ email, password: ua.password, tenant: b.slug })).status).toBe(401);
    // The same password in two tenants: only someone who knows it learns that, and must choose.
    const c = await server.createTenant();
    await server.createUser(c, { email, password: ua.password });
    const ambiguous = await login({ email, password: ua.password });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error.details[0].field).toBe('tenant');
    expect((await login({ email, password: ua.password, tenant: c.slug })).status).toBe(200);
  });

  it('a failed login tells nothing about the email: unknown, one tenant, several tenants or inactive get the same answer', async () => {
    const email = (tag: string) => `enum-${tag}-${Date.now()}@example.com`;
    const one = email('one');
    await server.createUser(await server.createTenant(), { email: one });
    const several = email('several');
    for (let i = 0; i < 3; i++) await server.createUser(await server.createTenant(), { email: several });
    const inactive = email('inactive');
    const t = await server.createTenant();
    const u = await server.createUser(t, { email: inactive });
    expect((await client(server.url, t.token).del(`/users/${u.id}`)).status).toBe(204);
    const mixed = email('mixed');
    const t2 = await server.createTenant();
    const u2 = await server.createUser(t2, { email: mixed });
    await server.createUser(await server.createTenant(), { email: mixed });
    expect((await client(server.url, t2.token).del(`/users/${u2.id}`)).status).toBe(204);
    const passwordless = email('nopw');
    await client(server.url, tenant.token).post('/users', { email: passwordless, name: 'No password', role: 'viewer' });
    await server.createUser(await server.createTenant(), { email: passwordless });

    const answers = [];
    for (const e of [email('unknown'), one, several, inactive, mixed, passwordless]) {
      const res = await login({ email: e, password: 'not the password of anyone' });
      answers.push({ email: e, status: res.status, body: res.body, headers: Object.keys(res.headers).filter((h) => !['date', 'x-request-id', 'content-length', 'x-ratelimit-remaining', 'ratelimit', 'x-ratelimit-reset'].includes(h)).sort() });
    }
    for (const a of answers) {
      expect(a.status, a.email).toBe(401);
      expect(a.body, a.email).toEqual({ success: false, error: { code: 'UNAUTHORIZED', message: 'Invalid email or password' } });
      expect(a.headers, a.email).toEqual(answers[0]!.headers);
    }
    // An inactive account's right password opens nothing, and tells nothing either.
    expect((await login({ email: inactive, password: u.password })).status).toBe(401);
    const mixedInactive = await login({ email: mixed, password: u2.password });
    expect(mixedInactive.status).toBe(401);
    expect(mixedInactive.body).toEqual(answers[0]!.body);
  });

  it('records a failed login in the tenant of every account the email has', async () => {
    const e = `audit-many-${Date.now()}@example.com`;
    const ts = [await server.createTenant(), await server.createTenant()];
    const us = [];
    for (const t of ts) us.push(await server.createUser(t, { email: e }));
    await login({ email: e, password: 'nobody knows this one' });
    for (const [i, t] of ts.entries()) {
      const ev = await client(server.url, t.token).get(`/audit-log?actor=${us[i]!.id}&action=auth.login_failed`);
      expect(ev.body.data).toHaveLength(1);
      expect(ev.body.data[0].data).toMatchObject({ reason: 'bad_password' });
    }
  });
});

describe('brute force', () => {
  it('limits failures per account with 429 and Retry-After, and a success resets the count', async () => {
    const user = await server.createUser(tenant);
    for (let i = 0; i < 3; i++) expect((await login({ email: user.email, password: 'wrong password here' })).status).toBe(401);
    // A success before the limit clears the failures.
    expect((await login({ email: user.email, password: user.password })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await login({ email: user.email, password: 'wrong password here' })).status).toBe(401);
    const blocked = await login({ email: user.email, password: user.password });
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('RATE_LIMIT_EXCEEDED');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    // Another account is not affected.
    const other = await server.createUser(tenant);
    expect((await login({ email: other.email, password: other.password })).status).toBe(200);
  });

  it('limits unknown emails the same way (no enumeration by the limiter)', async () => {
    const email = `ghost-${Date.now()}@example.com`;
    for (let i = 0; i < 4; i++) expect((await login({ email, password: 'whatever it is' })).status).toBe(401);
    expect((await login({ email, password: 'whatever it is' })).status).toBe(429);
  });

  it('limits failures per IP', async () => {
    const s = await startServer({ env: { NEURO_LOGIN_MAX_FAILURES: '1000', NEURO_LOGIN_MAX_FAILURES_PER_IP: '3', NEURO_LOGIN_WINDOW_SECONDS: '86400' } });
    try {
      const t = await s.createTenant();
      const user = await s.createUser(t);
      for (let i = 0; i < 3; i++) {
        const r = await raw(`${s.url}/auth/login`, { method: 'POST', body: { email: `x${i}@example.com`, password: 'wrong password' } });
        expect(r.status).toBe(401);
      }
      const blocked = await raw(`${s.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password } });
      expect(blocked.status).toBe(429);
      expect(blocked.headers['retry-after']).toBeDefined();
    } finally {
      await teardown(s);
    }
  }, 120_000);
});

describe('audit', () => {
  it('records successful and failed logins with IP and user agent', async () => {
    const user = await server.createUser(tenant);
    await login({ email: user.email, password: 'definitely wrong' }, { 'user-agent': 'audit-test/1.0' });
    await login({ email: user.email, password: user.password }, { 'user-agent': 'audit-test/1.0' });
    const admin = client(server.url, tenant.token);
    const failed = await admin.get(`/audit-log?actor=${user.id}&action=auth.login_failed`);
    expect(failed.status).toBe(200);
    expect(failed.body.data).toHaveLength(1);
    expect(failed.body.data[0]).toMatchObject({
      action: 'auth.login_failed', actor: { type: 'user', id: user.id }, ip: '127.0.0.1', user_agent: 'audit-test/1.0',
      data: { reason: 'bad_password' },
    });
    const ok = await admin.get(`/audit-log?actor=${user.id}&action=auth.login_succeeded`);
    expect(ok.body.data).toHaveLength(1);
    expect(JSON.stringify(ok.body)).not.toContain(user.password);
  });
});
