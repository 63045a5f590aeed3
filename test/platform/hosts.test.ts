import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, rawSocket, raw, expectError } from '../helpers/index.js';
import { tenantFromHost } from '../../src/server/plugins/auth.js';
import { normalizeHost } from '../../src/server/plugins/hosts.js';

/** The tenant of a request's host, whatever way the host is written; and Host headers that make no sense. */
let s: TestServer;
let acme: TestTenant;
let other: TestTenant;
beforeAll(async () => {
  s = await startServer();
  acme = await s.createTenant();
  other = await s.createTenant();
}, 180_000);
afterAll(async () => {
  const failures = s?.logs.filter((l) => /"level":50|"statusCode":5\d\d/.test(l)) ?? [];
  await s?.close();
  expect(failures, 'server errors (500s) in the log').toEqual([]);
});

const get = (host: string, token: string, path = '/projects') =>
  raw(`${s.url}${path}`, { headers: { host, authorization: `Bearer ${token}` } });

describe('host names are normalised before the tenant check', () => {
  it.each([
    ['trailing dot', (slug: string) => `${slug}.localhost.`],
    ['upper case and a port', (slug: string) => `${slug.toUpperCase()}.LOCALHOST:8080`],
    ['trailing dot and a port', (slug: string) => `${slug}.localhost.:8080`],
    ['mixed case, trailing dot', (slug: string) => `${slug}.LocalHost.`],
  ])('%s: the tenant host accepts only its own tenant', async (_name, host) => {
    expect((await get(host(acme.slug), acme.token)).status).toBe(200);
    const refused = await get(host(acme.slug), other.token);
    expect(refused.status, refused.text).toBe(401);
    expect(refused.body.error.code).toBe('INVALID_TOKEN');
  });

  it('login on a tenant host written with a trailing dot looks in that tenant only', async () => {
    const user = await s.createUser(other);
    const res = await raw(`${s.url}/auth/login`, {
      method: 'POST',
      headers: { host: `${acme.slug}.localhost.` },
      body: { email: user.email, password: user.password },
    });
    expect(res.status, res.text).toBe(401);
    const own = await raw(`${s.url}/auth/login`, {
      method: 'POST',
      headers: { host: `${other.slug.toUpperCase()}.localhost.:8080` },
      body: { email: user.email, password: user.password },
    });
    expect(own.status, own.text).toBe(200);
  });

  it('a host without a tenant part acts in the credential’s tenant', async () => {
    for (const host of ['localhost', 'LOCALHOST.', 'localhost.:8080', '127.0.0.1:8080', '[::1]:8080', '[::1]', 'neuro.example.com']) {
      const res = await get(host, other.token);
      expect(res.status, host).toBe(200);
    }
  });

  it('refuses host names that are not host names, in the envelope', async () => {
    for (const host of [`${acme.slug}..localhost`, `.${acme.slug}.localhost`, `${acme.slug}.localhost..`, 'localhost:80a', 'a b.localhost', '[::1']) {
      const res = await get(host, acme.token);
      expectError(res, 400, 'VALIDATION_ERROR', ['Host']);
    }
  });

  it('normalizeHost and tenantFromHost', () => {
    expect(normalizeHost('ACME.LOCALHOST:8080')).toBe('acme.localhost');
    expect(normalizeHost('acme.localhost.:8080')).toBe('acme.localhost');
    expect(normalizeHost('[::1]:8080')).toBe('[::1]');
    expect(normalizeHost('[2001:DB8::1]')).toBe('[2001:db8::1]');
    expect(normalizeHost('acme..localhost')).toBeNull();
    expect(normalizeHost('')).toBeNull();
    expect(tenantFromHost('acme.localhost.', 'localhost')).toBe('acme');
    expect(tenantFromHost('ACME.LOCALHOST:8080', 'localhost')).toBe('acme');
    expect(tenantFromHost('localhost.', 'localhost')).toBeNull();
    expect(tenantFromHost('[::1]:8080', 'localhost')).toBeNull();
  });
});

describe('Host headers the server refuses', () => {
  it('two Host headers are a 400 in the envelope', async () => {
    const res = await rawSocket(
      s.port,
      `GET /api/v1/projects HTTP/1.1\r\nHost: localhost\r\nHost: ${acme.slug}.localhost\r\nAuthorization: Bearer ${other.token}\r\nConnection: close\r\n\r\n`,
    );
    expectError(res, 400, 'VALIDATION_ERROR', ['Host']);
  });

  it('an HTTP/1.1 request without Host gets the envelope, not a bare 400', async () => {
    const res = await rawSocket(s.port, 'GET /api/v1/health HTTP/1.1\r\nConnection: close\r\n\r\n');
    expectError(res, 400, 'VALIDATION_ERROR', ['Host']);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('an empty Host is a 400 too', async () => {
    const res = await rawSocket(s.port, `GET /api/v1/projects HTTP/1.1\r\nHost:\r\nAuthorization: Bearer ${acme.token}\r\nConnection: close\r\n\r\n`);
    expectError(res, 400, 'VALIDATION_ERROR', ['Host']);
  });

  it('HTTP/1.0 without Host still works (it has no Host requirement)', async () => {
    const res = await rawSocket(s.port, 'GET /api/v1/health HTTP/1.0\r\n\r\n');
    expect(res.status, res.text).toBe(200);
    expect(res.body.success).toBe(true);
  });
});
