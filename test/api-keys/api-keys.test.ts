import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, setup, sleep, teardown, type Setup, type TestServer, type TestTenant, type TestUser } from '../helpers/index.js';
import { ROLE_SCOPES } from '../../src/server/lib/scopes.js';
import { TOKEN_PATTERN } from '../../src/server/lib/tokens.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let user: TestUser;
let session: ReturnType<typeof client>;

beforeAll(async () => {
  s = await setup();
  ({ server, tenant } = s);
  user = await server.createUser(tenant, { role: 'tester' });
  session = client(server.url, (await server.login(tenant, user)).access_token);
}, 180_000);
afterAll(() => teardown(s));

/** The documented format: nf_live_ + 40 random hex + 8 hex CRC32 of them. */
const README_PATTERN = /^nf_live_[0-9a-f]{48}$/;

describe('personal API keys', () => {
  it('creates a key with `label` (neuralrepo) and answers 201 with the secret once', async () => {
    const res = await session.post('/user/api-keys', { label: 'CI Pipeline' });
    expect(res.status).toBe(201);
    const key = res.body.data;
    expect(key).toMatchObject({ name: 'CI Pipeline', label: 'CI Pipeline', kind: 'personal', purpose: 'api', expires_at: null, user_id: user.id });
    expect(key.id).toMatch(/^tok_/);
    expect(key.key).toMatch(README_PATTERN);
    expect(key.key).toMatch(TOKEN_PATTERN);
    expect(key.created_at).toMatch(/Z$/);
    // Default scopes: everything the role allows.
    expect([...key.scopes].sort()).toEqual([...ROLE_SCOPES.tester].sort());
    expect(res.headers.get('cache-control')).toBe('no-store');
    // It works as Bearer and as X-API-Key.
    expect((await client(server.url, key.key).get('/findings')).status).toBe(200);
    expect((await client(server.url).get('/findings', { 'x-api-key': key.key })).status).toBe(200);
    // Stored only as a keyed hash.
    const { rows } = await server.db.tenant(tenant.id, (q) => q.query<{ token_hash: Buffer; masked: string }>('SELECT token_hash, masked FROM api_tokens WHERE id = $1', [key.id]));
    expect(Buffer.from(rows[0]!.token_hash).toString('hex')).not.toContain(key.key.slice(8));
    expect(rows[0]!.masked).toBe(`${key.key.slice(0, 12)}…${key.key.slice(-4)}`);
  });

  it('accepts `name`, explicit scopes and expiries; name and label must agree', async () => {
    const a = await session.post('/user/api-keys', { name: 'read only', scopes: ['findings:read'], expires_in: '30d' });
    expect(a.status).toBe(201);
    expect(a.body.data.scopes).toEqual(['findings:read']);
    const days = (new Date(a.body.data.expires_at).getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(29.9);
    expect(days).toBeLessThan(30.1);
    for (const [e, d] of [['90d', 90], ['1y', 365]] as const) {
      const r = await session.post('/user/api-keys', { name: e, expires_in: e });
      expect(Math.round((new Date(r.body.data.expires_at).getTime() - Date.now()) / 86_400_000)).toBe(d);
    }
    expect((await session.post('/user/api-keys', { name: 'n', expires_in: 'never' })).body.data.expires_at).toBeNull();
    const at = new Date(Date.now() + 86_400_000).toISOString();
    expect((await session.post('/user/api-keys', { name: 'n', expires_at: at })).body.data.expires_at).toBe(at);
    const both = await session.post('/user/api-keys', { name: 'n', expires_at: at, expires_in: '30d' });
    expect(both.status).toBe(400);
    const past = await session.post('/user/api-keys', { name: 'n', expires_at: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
    expect(past.body.error.details[0].field).toBe('expires_at');
    expect((await session.post('/user/api-keys', { name: 'a', label: 'b' })).status).toBe(400);
    const none = await session.post('/user/api-keys', {});
    expect(none.status).toBe(400);
    expect(none.body.error.details[0].field).toBe('name');
    expect((await session.post('/user/api-keys', { name: 'n', expires_in: '2d' })).status).toBe(400);
  });

  it('refuses an unknown scope (400) and a scope beyond the role (403)', async () => {
    const unknown = await session.post('/user/api-keys', { name: 'x', scopes: ['findings:read', 'scans_read'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]).toMatchObject({ field: 'scopes' });
    const beyond = await session.post('/user/api-keys', { name: 'x', scopes: ['projects:write'] });
    expect(beyond.status).toBe(403);
    expect(beyond.body.error.code).toBe('PERMISSION_DENIED');
    const admin = await session.post('/user/api-keys', { name: 'x', scopes: ['admin'] });
    expect(admin.status).toBe(403);
  });

  it('a token has its scopes intersected with its owner’s role', async () => {
    const key = (await session.post('/user/api-keys', { name: 'r', scopes: ['findings:read'] })).body.data.key;
    const api = client(server.url, key);
    expect((await api.get('/findings')).status).toBe(200);
    const noScope = await api.get('/projects');
    expect(noScope.status).toBe(403);
    expect(noScope.body.error).toEqual({ code: 'FORBIDDEN', message: 'Token does not have required scope' });
  });

  it('lists the caller’s keys masked, with last use written at most once a minute', async () => {
    const created = (await session.post('/user/api-keys', { name: 'listed' })).body.data;
    await client(server.url, created.key).get('/findings');
    await sleep(200);
    const list = await session.get('/user/api-keys');
    expect(list.status).toBe(200);
    const item = list.body.data.find((k: any) => k.id === created.id);
    expect(item.key).toBe(`${created.key.slice(0, 12)}…${created.key.slice(-4)}`);
    expect(item.last_used_at).not.toBeNull();
    expect(list.text).not.toContain(created.key);
    const first = item.last_used_at;
    await client(server.url, created.key).get('/findings');
    await sleep(200);
    const again = (await session.get('/user/api-keys')).body.data.find((k: any) => k.id === created.id);
    expect(again.last_used_at).toBe(first);
    // Another user's keys are not listed.
    const other = await server.createUser(tenant);
    const otherSession = client(server.url, (await server.login(tenant, other)).access_token);
    expect((await otherSession.get('/user/api-keys')).body.data.find((k: any) => k.id === created.id)).toBeUndefined();
    expect((await otherSession.del(`/user/api-keys/${created.id}`)).status).toBe(404);
  });

  it('DELETE answers 204 and the key is refused from the next request', async () => {
    const created = (await session.post('/user/api-keys', { name: 'doomed' })).body.data;
    const api = client(server.url, created.key);
    expect((await api.get('/findings')).status).toBe(200);
    const del = await session.del(`/user/api-keys/${created.id}`);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    const after = await api.get('/findings');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('INVALID_TOKEN');
    expect((await session.get('/user/api-keys')).body.data.find((k: any) => k.id === created.id)).toBeUndefined();
    expect((await session.get('/user/api-keys?status=revoked')).body.data.find((k: any) => k.id === created.id)).toBeDefined();
  });

  it('rotates: a new secret with the same settings; the old one stops at once or after the grace period', async () => {
    const created = (await session.post('/user/api-keys', { name: 'rotating', scopes: ['findings:read'], expires_in: '90d' })).body.data;
    const rotated = await session.post(`/user/api-keys/${created.id}/rotate`);
    expect(rotated.status).toBe(201);
    expect(rotated.body.data).toMatchObject({ name: 'rotating', scopes: ['findings:read'], expires_at: created.expires_at, rotated_from: created.id });
    expect(rotated.body.data.key).not.toBe(created.key);
    expect((await client(server.url, created.key).get('/findings')).status).toBe(401);
    expect((await client(server.url, rotated.body.data.key).get('/findings')).status).toBe(200);

    const graced = await session.post(`/user/api-keys/${rotated.body.data.id}/rotate`, { grace_period_seconds: 2 });
    expect(graced.status).toBe(201);
    expect((await client(server.url, rotated.body.data.key).get('/findings')).status).toBe(200);
    await sleep(2200);
    expect((await client(server.url, rotated.body.data.key).get('/findings')).status).toBe(401);
    expect((await client(server.url, graced.body.data.key).get('/findings')).status).toBe(200);
    // A revoked key cannot be rotated; an API token may rotate only itself.
    expect((await session.post(`/user/api-keys/${created.id}/rotate`)).status).toBe(409);
    const other = (await session.post('/user/api-keys', { name: 'other' })).body.data;
    expect((await client(server.url, graced.body.data.key).post(`/user/api-keys/${other.id}/rotate`)).status).toBe(403);
    const self = await client(server.url, other.key).post(`/user/api-keys/${other.id}/rotate`);
    expect(self.status).toBe(201);
  });

  it('an expired key is a 401 INVALID_TOKEN, even when it was cached', async () => {
    const created = (await session.post('/user/api-keys', { name: 'short', expires_at: new Date(Date.now() + 1500).toISOString() })).body.data;
    expect((await client(server.url, created.key).get('/findings')).status).toBe(200);
    await sleep(1700);
    const res = await client(server.url, created.key).get('/findings');
    expect(res.status).toBe(401);
    expect(res.body.error).toEqual({ code: 'INVALID_TOKEN', message: 'Invalid or missing authentication token' });
  });

  it('malformed and bad-checksum keys are a 401; two different credentials are a 400', async () => {
    const key = (await session.post('/user/api-keys', { name: 'k' })).body.data.key as string;
    const flip = (s: string, i: number) => s.slice(0, i) + (s[i] === 'a' ? 'b' : 'a') + s.slice(i + 1);
    for (const bad of ['nf_live_123', flip(key, 20), flip(key, key.length - 1), key.toUpperCase(), `${key}0`]) {
      const res = await client(server.url, bad).get('/findings');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('INVALID_TOKEN');
    }
    const both = await client(server.url, key).get('/findings', { 'x-api-key': tenant.token });
    expect(both.status).toBe(400);
    expect((await client(server.url, key).get('/findings', { 'x-api-key': key })).status).toBe(200);
  });

  it('creating keys needs a signed-in session, not an API token', async () => {
    const key = (await session.post('/user/api-keys', { name: 'k' })).body.data.key;
    const res = await client(server.url, key).post('/user/api-keys', { name: 'child' });
    expect(res.status).toBe(403);
    expect((await client(server.url, tenant.token).post('/user/api-keys', { name: 'sa' })).status).toBe(403);
    // A service token has no user keys.
    expect((await client(server.url, tenant.token).get('/user/api-keys')).status).toBe(403);
  });

  it('token creation, rotation and revocation are audited without the secret', async () => {
    const created = (await session.post('/user/api-keys', { name: 'audited' })).body.data;
    await session.post(`/user/api-keys/${created.id}/rotate`);
    const audit = await client(server.url, tenant.token).get(`/audit-log?object_id=${created.id}`);
    expect(audit.body.data.map((e: any) => e.action).sort()).toEqual(['token.created', 'token.rotated']);
    expect(audit.text).not.toContain(created.key);
    expect(audit.body.data[0].actor).toEqual({ type: 'user', id: user.id });
  });
});

describe('MCP tokens', () => {
  it('are API tokens of purpose mcp, with the same scopes, listed apart', async () => {
    const res = await session.post('/user/mcp-tokens', { name: 'Claude' });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({ purpose: 'mcp', kind: 'personal' });
    expect([...res.body.data.scopes].sort()).toEqual([...ROLE_SCOPES.tester].sort());
    expect((await client(server.url, res.body.data.key).get('/findings')).status).toBe(200);
    const list = await session.get('/user/mcp-tokens');
    expect(list.body.data.map((t: any) => t.id)).toContain(res.body.data.id);
    expect((await session.get('/user/api-keys')).body.data.map((t: any) => t.id)).not.toContain(res.body.data.id);
    expect((await session.del(`/user/mcp-tokens/${res.body.data.id}`)).status).toBe(204);
    expect((await client(server.url, res.body.data.key).get('/findings')).status).toBe(401);
  });
});

