import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, raw, setup, teardown, type Setup } from '../helpers/index.js';

let s: Setup;
beforeAll(async () => {
  s = await setup({ env: { LOG_LEVEL: 'trace' } });
});
afterAll(() => teardown(s));

describe('logs', () => {
  it('never contain a credential, whichever way it was sent and whatever happened', async () => {
    const { server, tenant } = s;
    const viewer = await server.mintToken(tenant, ['projects:read'], 'viewer');
    const unknown = 'nf_live_0123456789abcdef0123456789abcdef01234567deadbeef';
    const secrets = [tenant.token, viewer, unknown, tenant.token.slice(8), viewer.slice(8)];
    const p = await s.make.project();
    const requests = [
      client(server.url, tenant.token).get('/projects'),
      client(server.url).get('/projects', { 'x-api-key': tenant.token }),
      client(server.url, viewer).post('/projects', { name: 'x' }), // 403
      client(server.url, unknown).get('/projects'), // 401
      client(server.url).get('/projects', { 'x-api-key': unknown }),
      client(server.url, tenant.token).get('/projects', { 'x-api-key': viewer }), // 400: they differ
      client(server.url, tenant.token).get('/nope'), // 404
      client(server.url, tenant.token).post('/findings', { project_id: p.id, title: 'x', severity: 'bad' }), // 400
      client(server.url, tenant.token).request('POST', '/projects', { body: '{bad', headers: { 'content-type': 'application/json' } }),
      raw(`${server.url}/projects`, { method: 'GET', headers: { host: 'other.localhost', authorization: `Bearer ${tenant.token}` } }),
      client(server.url).get('/projects', { cookie: `session=${tenant.token}` }),
    ];
    const statuses = (await Promise.all(requests)).map((r) => r.status);
    expect(statuses).toEqual([200, 200, 403, 401, 401, 400, 404, 400, 400, 401, 401]);
    await new Promise((r) => setTimeout(r, 50));
    const text = server.logs.join('');
    expect(text.length).toBeGreaterThan(0);
    for (const secret of secrets) expect(text.includes(secret), `log contains ${secret.slice(0, 12)}…`).toBe(false);
    expect(text).not.toContain('nf_live_');
  });

  it('writes JSON lines, each request line with its request id, and answers with x-request-id', async () => {
    const res = await s.api.get('/projects');
    const id = res.headers.get('x-request-id');
    expect(id).toBeTruthy();
    await new Promise((r) => setTimeout(r, 50));
    const lines = s.server.logs.join('').split('\n').filter(Boolean);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requestLines = parsed.filter((l) => l.req || l.res);
    expect(requestLines.length).toBeGreaterThan(0);
    for (const l of requestLines) expect(typeof l.reqId, JSON.stringify(l)).toBe('string');
    const mine = parsed.filter((l) => l.reqId === id);
    expect(mine.length).toBeGreaterThanOrEqual(2); // incoming request + request completed
    for (const l of parsed) expect(typeof l.time === 'number' && typeof l.level === 'number').toBe(true);
  });

  it('gives every response, errors included, a request id', async () => {
    for (const res of [await s.api.get('/nope'), await client(s.server.url).get('/projects'), await s.api.post('/projects', {})]) {
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++) ids.add((await s.api.get('/health')).headers.get('x-request-id')!);
    expect(ids.size).toBe(5);
  });
});
