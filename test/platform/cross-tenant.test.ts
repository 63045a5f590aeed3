import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, raw, setup, teardown, type Setup, type TestServer, type TestTenant, type TestUser } from '../helpers/index.js';

/** Every kind of credential of tenant A, against tenant B: refused on B's host, blind to B's rows. */
let s: Setup;
let server: TestServer;
let a: TestTenant;
let b: TestTenant;
let bUser: TestUser;
let bProject: string;
let bKeyId: string;
let bSessionId: string;
const creds: Record<string, { headers: Record<string, string> }> = {};

beforeAll(async () => {
  s = await setup();
  server = s.server;
  a = await server.createTenant();
  b = await server.createTenant();
  const aUser = await server.createUser(a, { role: 'admin' });
  const login = await server.login(a, aUser);
  const session = client(server.url, login.access_token);
  const personal = (await session.post('/user/api-keys', { name: 'p' })).body.data.key;
  const mcp = (await session.post('/user/mcp-tokens', { name: 'm' })).body.data.key;
  const cookieLogin = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: aUser.email, password: aUser.password, set_cookie: true } });
  // Under both names: `__Host-` on the *.localhost host (a secure context), unprefixed on 127.0.0.1.
  const cookie = `__Host-neuro_session=${cookieLogin.body.access_token}; neuro_session=${cookieLogin.body.access_token}`;
  creds['service token'] = { headers: { authorization: `Bearer ${a.token}` } };
  creds['service token as X-API-Key'] = { headers: { 'x-api-key': a.token } };
  creds['personal token'] = { headers: { authorization: `Bearer ${personal}` } };
  creds['MCP token'] = { headers: { 'x-api-key': mcp } };
  creds['access token (JWT)'] = { headers: { authorization: `Bearer ${login.access_token}` } };
  creds['session cookie'] = { headers: { cookie } };

  bProject = (await client(server.url, b.token).post('/projects', { name: 'B only' })).body.data.id;
  bUser = await server.createUser(b, { role: 'tester' });
  const bLogin = await server.login(b, bUser);
  const bSession = client(server.url, bLogin.access_token);
  bKeyId = (await bSession.post('/user/api-keys', { name: 'b key' })).body.data.id;
  bSessionId = JSON.parse(Buffer.from(bLogin.access_token.split('.')[1]!, 'base64url').toString()).sid;
}, 180_000);
afterAll(() => teardown(s));

describe('cross-tenant use of every credential kind', () => {
  it('works on its own tenant’s host and on a plain host', async () => {
    for (const [name, c] of Object.entries(creds)) {
      expect((await raw(`${server.url}/projects`, { headers: { ...c.headers, host: `${a.slug}.localhost` } })).status, name).toBe(200);
      expect((await raw(`${server.url}/projects`, { headers: c.headers })).status, name).toBe(200);
    }
  });

  it('is a 401 on another tenant’s host', async () => {
    for (const [name, c] of Object.entries(creds)) {
      const res = await raw(`${server.url}/projects`, { headers: { ...c.headers, host: `${b.slug}.localhost` } });
      expect(res.status, name).toBe(401);
      expect(res.body.error.code, name).toBe('INVALID_TOKEN');
    }
  });

  it('cannot see or touch the other tenant’s rows (404)', async () => {
    for (const [name, c] of Object.entries(creds)) {
      const get = (path: string) => raw(`${server.url}${path}`, { headers: c.headers });
      expect((await get(`/projects/${bProject}`)).status, name).toBe(404);
      expect((await get(`/users/${bUser.id}`)).status, name).toBe(404);
      expect((await get(`/api-keys/${bKeyId}`)).status, name).toBe(404);
      const list = await get('/projects');
      expect(list.text, name).not.toContain(bProject);
    }
    const admin = client(server.url, a.token);
    expect((await admin.put(`/users/${bUser.id}`, { role: 'admin' })).status).toBe(404);
    expect((await admin.del(`/users/${bUser.id}`)).status).toBe(404);
    expect((await admin.del(`/api-keys/${bKeyId}`)).status).toBe(404);
    expect((await admin.post('/api-keys', { service_account_id: 'sa_x', name: 'x' })).status).toBe(400);
    const aUser = await server.createUser(a);
    const aSession = client(server.url, (await server.login(a, aUser)).access_token);
    expect((await aSession.del(`/user/sessions/${bSessionId}`)).status).toBe(404);
    expect((await aSession.del(`/user/api-keys/${bKeyId}`)).status).toBe(404);
    // B's user still works.
    expect((await client(server.url, b.token).get(`/users/${bUser.id}`)).body.data.role).toBe('tester');
  });

  it('service accounts, API keys and a user’s own lists never reach the other tenant', async () => {
    const bAdmin = client(server.url, b.token);
    const bSa = (await bAdmin.post('/service-accounts', { name: 'B robot', role: 'tester' })).body.data.id;
    const bSaKey = (await bAdmin.post('/api-keys', { service_account_id: bSa, name: 'B robot key' })).body.data.id;
    const bMcp = (await client(server.url, (await server.login(b, bUser)).access_token).post('/user/mcp-tokens', { name: 'b mcp' })).body.data.id;
    expect([bSa, bSaKey, bMcp].every((id) => typeof id === 'string')).toBe(true);

    const admin = client(server.url, a.token);
    expect((await admin.get(`/service-accounts/${bSa}`)).status).toBe(404);
    expect((await admin.put(`/service-accounts/${bSa}`, { name: 'taken over' })).status).toBe(404);
    expect((await admin.del(`/service-accounts/${bSa}`)).status).toBe(404);
    expect((await admin.get('/service-accounts?limit=100')).text).not.toContain(bSa);
    const aSa = (await admin.post('/service-accounts', { name: 'A robot', role: 'tester' })).body.data.id;
    expect((await bAdmin.get('/service-accounts?limit=100')).text).not.toContain(aSa);
    // A key for B's service account cannot be made from A: it does not exist here.
    const foreignKey = await admin.post('/api-keys', { service_account_id: bSa, name: 'x' });
    expect(foreignKey.status).toBe(400);
    expect(foreignKey.body.error.details.map((d: { field: string }) => d.field)).toContain('service_account_id');
    expect((await admin.get('/api-keys?limit=100')).text).not.toContain(bSaKey);
    expect((await admin.get(`/api-keys/${bSaKey}`)).status).toBe(404);

    const aUser = await server.createUser(a);
    const aSession = client(server.url, (await server.login(a, aUser)).access_token);
    for (const list of ['/user/api-keys', '/user/mcp-tokens', '/user/sessions']) {
      const res = await aSession.get(list);
      expect(res.status, list).toBe(200);
      for (const id of [bKeyId, bMcp, bSessionId]) expect(res.text, list).not.toContain(id);
    }
    expect((await aSession.post(`/user/api-keys/${bKeyId}/rotate`, {})).status).toBe(404);
    expect((await aSession.del(`/user/mcp-tokens/${bMcp}`)).status).toBe(404);
    // B's credentials are untouched.
    expect((await bAdmin.get(`/service-accounts/${bSa}`)).body.data.name).toBe('B robot');
    expect((await bAdmin.get(`/api-keys/${bSaKey}`)).status).toBe(200);
  });

  it('a refresh token and a login are bound to their tenant too', async () => {
    const aUser = await server.createUser(a);
    const t = await server.login(a, aUser);
    expect((await raw(`${server.url}/auth/refresh`, { method: 'POST', body: { refresh_token: t.refresh_token }, headers: { host: `${b.slug}.localhost` } })).status).toBe(401);
    const login = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: aUser.email, password: aUser.password }, headers: { host: `${b.slug}.localhost` } });
    expect(login.status).toBe(401);
    const withField = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: aUser.email, password: aUser.password, tenant: b.slug } });
    expect(withField.status).toBe(401);
  });

  it('the audit log of one tenant holds nothing of the other', async () => {
    const logA = await client(server.url, a.token).get('/audit-log?limit=100');
    expect(logA.text).not.toContain(bUser.id);
    expect(logA.text).not.toContain(bKeyId);
  });
});
