import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, type TestUser, client, type Client } from '../helpers/index.js';

/**
 * PRODUCT.md "self-service credentials": a user's own tokens, MCP tokens and sessions are managed
 * with a signed-in session or an `admin`-scoped token; a narrowly scoped token can never list or
 * revoke its owner's other credentials. Each route acts only on its own kind.
 */
let server: TestServer;
let tenant: TestTenant;
let user: TestUser;
let session: Client;

beforeAll(async () => {
  server = await startServer();
  tenant = await server.createTenant();
  user = await server.createUser(tenant, { role: 'admin' });
  session = client(server.url, (await server.login(tenant, user)).access_token);
}, 180_000);
afterAll(() => server?.close());

const sidOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).sid as string;

/** Fresh credentials of the user to act on: an API key, an MCP token and a second session. */
async function targets() {
  const key = (await session.post('/user/api-keys', { name: 'target key', scopes: ['projects:read'] })).body.data;
  const mcp = (await session.post('/user/mcp-tokens', { name: 'target mcp', scopes: ['projects:read'] })).body.data;
  const other = await server.login(tenant, user);
  return { key, mcp, sessionId: sidOf(other.access_token), sessionToken: other.access_token };
}

async function personalToken(scopes: string[], purpose: 'api-keys' | 'mcp-tokens' = 'api-keys'): Promise<string> {
  const res = await session.post(`/user/${purpose}`, { name: `caller ${scopes.join(' ')}`, scopes });
  expect(res.status).toBe(201);
  return res.body.data.key;
}

type Route = [method: 'GET' | 'DELETE' | 'POST', path: (t: Awaited<ReturnType<typeof targets>>) => string];
const ROUTES: Route[] = [
  ['GET', () => '/user/sessions'],
  ['DELETE', (t) => `/user/sessions/${t.sessionId}`],
  ['GET', () => '/user/api-keys'],
  ['DELETE', (t) => `/user/api-keys/${t.key.id}`],
  ['POST', (t) => `/user/api-keys/${t.key.id}/rotate`],
  ['GET', () => '/user/mcp-tokens'],
  ['DELETE', (t) => `/user/mcp-tokens/${t.mcp.id}`],
  ['POST', (t) => `/user/mcp-tokens/${t.mcp.id}/rotate`],
];

const call = (api: Client, method: Route[0], path: string) =>
  method === 'GET' ? api.get(path) : method === 'DELETE' ? api.del(path) : api.post(path, {});

describe('self-service credential routes', () => {
  it('refuse a findings:read personal token or MCP token (403) and leave every credential working', async () => {
    for (const purpose of ['api-keys', 'mcp-tokens'] as const) {
      const narrow = client(server.url, await personalToken(['findings:read'], purpose));
      for (const [method, path] of ROUTES) {
        const t = await targets();
        const res = await call(narrow, method, path(t));
        expect(res.status, `${purpose} ${method} ${path(t)}`).toBe(403);
        expect(res.body.error.code).toBe('FORBIDDEN');
        expect(res.text).not.toContain('user_agent');
        expect((await client(server.url, t.key.key).get('/projects')).status).toBe(200);
        expect((await client(server.url, t.mcp.key).get('/projects')).status).toBe(200);
        expect((await client(server.url, t.sessionToken).get('/user')).status).toBe(200);
      }
    }
  });

  it('allow a signed-in session and an admin-scoped personal token', async () => {
    const adminToken = client(server.url, await personalToken(['admin']));
    for (const api of [session, adminToken]) {
      for (const [method, path] of ROUTES) {
        const t = await targets();
        const res = await call(api, method, path(t));
        expect(res.status, `${method} ${path(t)}`).toBe(method === 'GET' ? 200 : method === 'DELETE' ? 204 : 201);
      }
    }
    const t = await targets();
    const sessions = await adminToken.get('/user/sessions');
    expect(sessions.body.data.map((s: { id: string }) => s.id)).toContain(t.sessionId);
    expect((await adminToken.del(`/user/sessions/${t.sessionId}`)).status).toBe(204);
    expect((await client(server.url, t.sessionToken).get('/user')).status).toBe(401);
  });

  it('an admin-scoped token of an owner no longer admin is refused (scopes meet the role)', async () => {
    const u = await server.createUser(tenant, { role: 'admin' });
    const s = client(server.url, (await server.login(tenant, u)).access_token);
    const token = (await s.post('/user/api-keys', { name: 'a', scopes: ['admin'] })).body.data.key;
    expect((await client(server.url, token).get('/user/api-keys')).status).toBe(200);
    expect((await client(server.url, tenant.token).put(`/users/${u.id}`, { role: 'tester' })).status).toBe(200);
    expect((await client(server.url, token).get('/user/api-keys')).status).toBe(403);
  });

  it('a narrow token may still rotate itself', async () => {
    const narrow = (await session.post('/user/api-keys', { name: 'self-rotating', scopes: ['findings:read'] })).body.data;
    const res = await client(server.url, narrow.key).post(`/user/api-keys/${narrow.id}/rotate`, {});
    expect(res.status).toBe(201);
    expect(res.body.data.rotated_from).toBe(narrow.id);
  });

  it('each route acts only on its own kind: an MCP token id is a 404 under api-keys and the reverse', async () => {
    const adminToken = client(server.url, await personalToken(['admin']));
    for (const api of [session, adminToken]) {
      const t = await targets();
      expect((await api.del(`/user/api-keys/${t.mcp.id}`)).status).toBe(404);
      expect((await api.del(`/user/mcp-tokens/${t.key.id}`)).status).toBe(404);
      expect((await api.post(`/user/api-keys/${t.mcp.id}/rotate`, {})).status).toBe(404);
      expect((await api.post(`/user/mcp-tokens/${t.key.id}/rotate`, {})).status).toBe(404);
      expect((await client(server.url, t.key.key).get('/projects')).status).toBe(200);
      expect((await client(server.url, t.mcp.key).get('/projects')).status).toBe(200);
      const rotated = await api.post(`/user/mcp-tokens/${t.mcp.id}/rotate`, {});
      expect(rotated.body.data).toMatchObject({ purpose: 'mcp', rotated_from: t.mcp.id });
    }
  });

  it('the new MCP rotation route refuses a token of another tenant (404) and a service token (403)', async () => {
    const other = await server.createTenant();
    const ou = await server.createUser(other, { role: 'admin' });
    const os = client(server.url, (await server.login(other, ou)).access_token);
    const t = await targets();
    expect((await os.post(`/user/mcp-tokens/${t.mcp.id}/rotate`, {})).status).toBe(404);
    expect((await client(server.url, tenant.token).post(`/user/mcp-tokens/${t.mcp.id}/rotate`, {})).status).toBe(403);
    const bad = await session.post(`/user/mcp-tokens/${t.mcp.id}/rotate`, { grace_period_seconds: -1 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('grace_period_seconds');
  });
});
