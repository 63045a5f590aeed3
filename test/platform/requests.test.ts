import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, client, raw, expectError } from '../helpers/index.js';

let s: TestServer;
let tenant: TestTenant;
beforeAll(async () => {
  s = await startServer();
  tenant = await s.createTenant();
}, 180_000);
afterAll(async () => {
  const failures = s?.logs.filter((l) => /"level":50|"statusCode":5\d\d/.test(l)) ?? [];
  await s?.close();
  expect(failures, 'server errors (500s) in the log').toEqual([]);
});

const STRAY: Record<string, string>[] = [
  { authorization: 'Basic dXNlcjpwYXNzd29yZA==' },
  { authorization: 'Bearer' },
  { authorization: 'Bearer ' },
  { authorization: 'Bearer nf_live_not-a-token' },
  { authorization: 'Digest username="x"' },
  { 'x-api-key': 'junk' },
  { authorization: 'Bearer aaa', 'x-api-key': 'bbb' },
];

describe('public endpoints ignore credentials they do not need', () => {
  it.each(['/health', '/auth/jwks.json', '/openapi.json'])('%s answers with any stray Authorization or X-API-Key', async (path) => {
    for (const headers of STRAY) {
      const res = await raw(`${s.url}${path}`, { headers });
      expect(res.status, `${path} ${JSON.stringify(headers)}: ${res.text.slice(0, 200)}`).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeDefined();
    }
  });

  it('/auth/login works behind a proxy that adds basic auth', async () => {
    const user = await s.createUser(tenant);
    for (const headers of STRAY) {
      const res = await raw(`${s.url}/auth/login`, {
        method: 'POST',
        headers,
        body: { email: user.email, password: user.password, tenant: tenant.slug },
      });
      expect(res.status, `${JSON.stringify(headers)}: ${res.text.slice(0, 200)}`).toBe(200);
      expect(res.body.access_token).toBeTruthy();
    }
  });

  it('endpoints that need a credential stay strict', async () => {
    for (const headers of STRAY) {
      const res = await raw(`${s.url}/projects`, { headers });
      expect([400, 401], JSON.stringify(headers)).toContain(res.status);
      expect(res.body.success).toBe(false);
    }
    // The mismatch between two credentials is still a 400 where a credential counts.
    const mismatch = await raw(`${s.url}/projects`, { headers: { authorization: `Bearer ${tenant.token}`, 'x-api-key': 'other' } });
    expectError(mismatch, 400, 'VALIDATION_ERROR', ['X-API-Key']);
  });
});

describe('request ids', () => {
  const api = () => client(s.url, tenant.token);
  const logged = (id: string) => s.logs.some((l) => l.includes(`"reqId":${JSON.stringify(id)}`));

  it.each(['9b2f6a1e-3c4d-4e5f-8a9b-0c1d2e3f4a5b', 'abc-123', 'trace.id:42_x', 'A'.repeat(64)])('keeps the well-formed id %s', async (id) => {
    const res = await api().get('/projects', { 'x-request-id': id });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(id);
    expect(logged(id)).toBe(true);
  });

  it.each(['A'.repeat(65), 'has space', '<script>alert(1)</script>', 'a"b', 'a/b', 'x,y', ''])('replaces %j with an id of its own', async (id) => {
    const res = await raw(`${s.url}/projects`, { headers: { authorization: `Bearer ${tenant.token}`, 'x-request-id': id } });
    expect(res.status).toBe(200);
    const echoed = res.headers['x-request-id'] as string;
    expect(echoed).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(echoed).not.toBe(id);
    expect(logged(echoed)).toBe(true);
    if (id) expect(s.logs.some((l) => l.includes(`"reqId":${JSON.stringify(id)}`))).toBe(false);
  });

  it('a non-ASCII id is replaced too', async () => {
    const res = await raw(`${s.url}/health`, { headers: { 'x-request-id': 'caf\u00e9' } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('two X-Request-Id headers: a fresh id', async () => {
    const res = await raw(`${s.url}/health`, { headers: { 'x-request-id': ['a-1', 'b-2'] as unknown as string } });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
