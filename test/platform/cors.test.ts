import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, raw, expectError } from '../helpers/index.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';

/** NEURO_CORS_ORIGINS: a browser app on another origin calls the API with a token; no other origin can read it. */
let s: TestServer;
let plain: TestServer;
let tenant: TestTenant;
const APP = 'https://app.example.com';
const DEV = 'http://localhost:5173';
beforeAll(async () => {
  [s, plain] = await Promise.all([startServer({ env: { NEURO_CORS_ORIGINS: `${APP}, ${DEV}` } }), startServer()]);
  tenant = await s.createTenant();
}, 180_000);
afterAll(async () => {
  await s?.close();
  await plain?.close();
});

const preflight = (server: TestServer, origin: string, path = '/projects', method = 'POST') =>
  raw(`${server.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'authorization,content-type,x-api-key' },
  });

const list = (h: string | string[] | undefined) => String(h ?? '').toLowerCase().split(/\s*,\s*/);

describe('CORS for the configured origins', () => {
  it.each([APP, DEV])('answers the preflight of %s', async (origin) => {
    const res = await preflight(s, origin);
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(origin);
    expect(list(res.headers['access-control-allow-methods'])).toEqual(expect.arrayContaining(['get', 'post', 'put', 'delete']));
    expect(list(res.headers['access-control-allow-headers'])).toEqual(
      expect.arrayContaining(['authorization', 'x-api-key', 'content-type', 'x-csrf-token']),
    );
    expect(list(res.headers.vary)).toContain('origin');
    // Tokens, not cookies: a cross-origin page never gets to use the session cookie.
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('lets the allowed origin read answers, headers included', async () => {
    const res = await raw(`${s.url}/projects`, { headers: { origin: APP, authorization: `Bearer ${tenant.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(list(res.headers['access-control-expose-headers'])).toEqual(
      expect.arrayContaining(['x-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']),
    );
    expect(list(res.headers.vary)).toContain('origin');
    // Errors too, so the app can show them.
    const refused = await raw(`${s.url}/projects`, { headers: { origin: APP } });
    expectError(refused, 401, 'UNAUTHORIZED');
    expect(refused.headers['access-control-allow-origin']).toBe(APP);
  });

  it.each(['https://evil.example', 'https://app.example.com.evil.example', 'http://app.example.com', 'https://APP.example.com:8443', 'null'])(
    'gives %s nothing to read',
    async (origin) => {
      const pre = await preflight(s, origin);
      expect(pre.headers['access-control-allow-origin']).toBeUndefined();
      const res = await raw(`${s.url}/projects`, { headers: { origin, authorization: `Bearer ${tenant.token}` } });
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    },
  );

  it('an OPTIONS that is not a preflight is not an error', async () => {
    const res = await raw(`${s.url}/projects`, { method: 'OPTIONS' });
    expect(res.status).toBeLessThan(400);
  });
});

describe('without NEURO_CORS_ORIGINS', () => {
  it('no origin gets CORS headers and a preflight is a 404 in the envelope', async () => {
    const pre = await preflight(plain, APP);
    expectError(pre, 404, 'NOT_FOUND');
    expect(pre.headers['access-control-allow-origin']).toBeUndefined();
    const res = await raw(`${plain.url}/health`, { headers: { origin: APP } });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });
});

describe('NEURO_CORS_ORIGINS', () => {
  it('is none by default, and takes exact origins', () => {
    expect(loadConfig({}).corsOrigins).toEqual([]);
    expect(loadConfig({ NEURO_CORS_ORIGINS: 'HTTPS://App.Example.com:443/, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.com',
      'http://localhost:5173',
    ]);
  });

  it.each(['*', 'https://*.example.com', 'app.example.com', 'https://app.example.com/path', 'ftp://files.example.com', 'https://app.example.com?x=1', 'https://u:p@app.example.com'])(
    'refuses %s',
    (value) => {
      expect(() => loadConfig({ NEURO_CORS_ORIGINS: value })).toThrow(ConfigError);
      expect(() => loadConfig({ NEURO_CORS_ORIGINS: value })).toThrow(/NEURO_CORS_ORIGINS/);
    },
  );
});
