import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, raw, startServer, teardown, type TestServer, type TestTenant } from '../helpers/index.js';

/** First-run setup (GET/POST /setup): the first admin of a tenant without users, then never again. */
const STRONG = 'correct horse battery staple 42';

let server: TestServer;
let boot: TestTenant;

beforeAll(async () => {
  // On 127.0.0.1 (no tenant part in the host) setup acts on the bootstrap tenant.
  server = await startServer({ env: { NEURO_BOOTSTRAP_TENANT: 'first-run' } });
  boot = await server.createTenant('first-run');
});
afterAll(async () => teardown(server));

/** `name=value; …` of the Set-Cookie headers, as a browser would send them back. */
const cookieHeader = (headers: Headers) => headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

describe('first-run setup', () => {
  it('refuses bad input in the envelope, naming the field, before anything is created', async () => {
    const api = client(server.url);
    expectError(await api.post('/setup', { email: 'not-an-email', name: 'Ana', password: STRONG }), 400, 'VALIDATION_ERROR', ['email']);
    expectError(await api.post('/setup', { email: 'ana@example.com', name: 'Ana', password: 'short' }), 400, 'VALIDATION_ERROR', ['password']);
    expectError(await api.post('/setup', { email: 'ana@example.com', password: STRONG }), 400, 'VALIDATION_ERROR', ['name']);
    expectError(await api.post('/setup', { email: 'ana@example.com', name: '   ', password: STRONG }), 400, 'VALIDATION_ERROR', ['name']);
    expectError(await api.request('POST', '/setup', { body: '{"email":', headers: { 'content-type': 'application/json' } }), 400, 'VALIDATION_ERROR');
    expect((await api.get('/setup')).body).toEqual({ success: true, data: { needs_setup: true, tenant: 'first-run' } });
  });

  it('lets exactly one of a burst of 20 create the admin, signs them in with cookies, then says it is complete', async () => {
    const api = client(server.url);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      api.post('/setup', { email: `admin${i}@example.com`, name: `Admin ${i}`, password: STRONG })));
    const won = results.filter((r) => r.status === 201);
    expect(won.length, results.map((r) => r.status).join(',')).toBe(1);
    for (const r of results.filter((x) => x.status !== 201)) expectError(r, 409, 'CONFLICT');
    expect(results.find((r) => r.status === 409)!.body.error.message).toBe('Setup is already complete');

    const created = won[0]!;
    expect(created.body.data.user).toMatchObject({ role: 'admin', active: true });
    expect(created.body.data.tenant).toEqual({ id: boot.id, slug: 'first-run' });
    expect(created.body.data.session).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    const users = await server.db.tenant(boot.id, (q) => q.query<{ role: string }>('SELECT role FROM users WHERE tenant_id = $1', [boot.id]));
    expect(users.rows).toEqual([{ role: 'admin' }]);

    // The cookies are a browser session, as /auth/login with set_cookie gives.
    const csrf = created.headers.get('x-csrf-token');
    expect(csrf).toBeTruthy();
    const cookie = cookieHeader(created.headers);
    expect(cookie).toMatch(/neuro_session=/);
    const me = await client(server.url).get('/user', { cookie });
    expect(me.status, me.text).toBe(200);
    expect(me.body.data).toMatchObject({ id: created.body.data.user.id, role: 'admin', tenant: { slug: 'first-run' } });
    const project = await client(server.url).post('/projects', { name: 'From the setup session' }, { cookie, 'x-csrf-token': csrf!, origin: server.origin });
    expect(project.status, project.text).toBe(201);
    // The access token works as a Bearer token too.
    expect((await client(server.url, created.body.data.session.access_token).get('/user')).status).toBe(200);

    expect((await api.get('/setup')).body.data).toEqual({ needs_setup: false, tenant: 'first-run' });
    expectError(await api.post('/setup', { email: 'late@example.com', name: 'Late', password: STRONG }), 409, 'CONFLICT');

    // Audited like any user creation, with the login that followed.
    const audit = await client(server.url, boot.token).get(`/audit-log?object_id=${created.body.data.user.id}`);
    expect(audit.body.data.map((e: { type: string }) => e.type)).toContain('user.created');
  });

  it('keeps each tenant\'s setup state apart: a tenant with users has nothing to set up', async () => {
    const other = await server.createTenant();
    await server.createUser(other, { role: 'admin' });
    const host = `${other.slug}.localhost:${server.port}`;
    const status = await raw(`${server.url}/setup`, { headers: { host } });
    expect(status.body).toEqual({ success: true, data: { needs_setup: false, tenant: other.slug } });
    const post = await raw(`${server.url}/setup`, { method: 'POST', headers: { host }, body: { email: 'x@example.com', name: 'X', password: STRONG } });
    expectError(post, 409, 'CONFLICT');

    const fresh = await server.createTenant();
    const freshHost = `${fresh.slug}.localhost:${server.port}`;
    expect((await raw(`${server.url}/setup`, { headers: { host: freshHost } })).body.data).toEqual({ needs_setup: true, tenant: fresh.slug });
    const made = await raw(`${server.url}/setup`, { method: 'POST', headers: { host: freshHost }, body: { email: 'y@example.com', name: 'Y', password: STRONG } });
    expect(made.status, made.text).toBe(201);
    expect(made.body.data.tenant.slug).toBe(fresh.slug);

    expectError(await raw(`${server.url}/setup`, { headers: { host: `nobody-here.localhost:${server.port}` } }), 404, 'NOT_FOUND');
  });
});

describe('with NEURO_SETUP_ENABLED=false', () => {
  it('never needs setup and refuses it with 403', async () => {
    const off = await startServer({ env: { NEURO_SETUP_ENABLED: 'false', NEURO_BOOTSTRAP_TENANT: 'off' } });
    try {
      await off.createTenant('off');
      const api = client(off.url);
      expect((await api.get('/setup')).body).toEqual({ success: true, data: { needs_setup: false, tenant: 'off' } });
      expectError(await api.post('/setup', { email: 'a@example.com', name: 'A', password: STRONG }), 403, 'FORBIDDEN');
    } finally {
      await teardown(off);
    }
  });
});

describe('attempts per IP', () => {
  it('are limited like failed logins', async () => {
    const s = await startServer({ env: { NEURO_LOGIN_MAX_FAILURES_PER_IP: '3', NEURO_BOOTSTRAP_TENANT: 'limited' } });
    try {
      await s.createTenant('limited');
      const api = client(s.url);
      for (let i = 0; i < 3; i++) expectError(await api.post('/setup', { email: 'a@example.com', name: 'A', password: 'weak' }), 400, 'VALIDATION_ERROR');
      const limited = await api.post('/setup', { email: 'a@example.com', name: 'A', password: STRONG });
      expectError(limited, 429, 'RATE_LIMIT_EXCEEDED');
      expect(limited.headers.get('retry-after')).toBeTruthy();
    } finally {
      await teardown(s);
    }
  });
});
