import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant } from '../helpers/index.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';

/**
 * NEURO_TRUST_PROXY: X-Forwarded-For/-Proto/-Host count only from a trusted proxy. Requests are
 * injected with the peer address they come from: 10.0.0.2 (a trusted proxy) or 192.0.2.7 (not).
 */
let s: TestServer;
let tenant: TestTenant;
beforeAll(async () => {
  s = await startServer({ env: { NEURO_TRUST_PROXY: '10.0.0.0/8', NEURO_LOGIN_MAX_FAILURES_PER_IP: '3' } });
  tenant = await s.createTenant();
}, 180_000);
afterAll(() => s?.close());

const PROXY = '10.0.0.2';
const STRANGER = '192.0.2.7';
let n = 0;

function login(peer: string, headers: Record<string, string>, body: Record<string, unknown> = {}) {
  return s.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    remoteAddress: peer,
    headers: { 'content-type': 'application/json', ...headers },
    payload: JSON.stringify({ email: `nobody-${++n}@example.com`, password: 'wrong password', tenant: tenant.slug, ...body }),
  });
}

describe('behind a trusted proxy', () => {
  it('each client has its own IP: one client’s failed logins do not throttle another', async () => {
    for (let i = 0; i < 3; i++) expect((await login(PROXY, { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(401);
    expect((await login(PROXY, { 'x-forwarded-for': '203.0.113.1' })).statusCode).toBe(429);
    // Another client behind the same proxy is not affected.
    expect((await login(PROXY, { 'x-forwarded-for': '203.0.113.2' })).statusCode).toBe(401);
    // The client's address is what the audit log records.
    const audit = await s.app.inject({
      method: 'GET', url: '/api/v1/audit-log?action=auth.login_failed', headers: { authorization: `Bearer ${tenant.token}` },
    });
    const ips = new Set(audit.json().data.map((e: { ip: string }) => e.ip));
    expect([...ips].sort()).toEqual(['203.0.113.1', '203.0.113.2']);
  });

  it('X-Forwarded-For from a peer that is not a trusted proxy is ignored', async () => {
    for (let i = 0; i < 3; i++) expect((await login(STRANGER, { 'x-forwarded-for': `198.51.100.${i}` })).statusCode).toBe(401);
    // Changing X-Forwarded-For does not get it round the per-IP limit.
    expect((await login(STRANGER, { 'x-forwarded-for': '198.51.100.99' })).statusCode).toBe(429);
  });

  it('https through X-Forwarded-Proto counts only from a trusted proxy (Secure cookies)', async () => {
    const user = await s.createUser(tenant);
    const viaCookie = async (peer: string) => {
      const res = await login(peer, { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.50', host: 'neuro.example.com' }, {
        email: user.email, password: user.password, set_cookie: true,
      });
      expect(res.statusCode, res.body).toBe(200);
      return ([] as string[]).concat(res.headers['set-cookie'] ?? []);
    };
    const trusted = await viaCookie(PROXY);
    expect(trusted.length).toBeGreaterThan(0);
    for (const c of trusted) expect(c).toMatch(/;\s*Secure/i);
    const untrusted = await viaCookie('192.0.2.8'); // not the one throttled above
    expect(untrusted.length).toBeGreaterThan(0);
    for (const c of untrusted) expect(c).not.toMatch(/;\s*Secure/i);
  });

  it('X-Forwarded-Host counts for the tenant check only from a trusted proxy', async () => {
    const other = await s.createTenant();
    const get = (peer: string) => s.app.inject({
      method: 'GET', url: '/api/v1/projects', remoteAddress: peer,
      headers: { authorization: `Bearer ${tenant.token}`, 'x-forwarded-host': `${other.slug}.localhost` },
    });
    expect((await get(PROXY)).statusCode).toBe(401);
    expect((await get(STRANGER)).statusCode).toBe(200);
  });
});

describe('NEURO_TRUST_PROXY', () => {
  it('is off by default and takes a hop count or addresses', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ NEURO_TRUST_PROXY: 'false' }).trustProxy).toBe(false);
    expect(loadConfig({ NEURO_TRUST_PROXY: '1' }).trustProxy).toBe(1);
    expect(loadConfig({ NEURO_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fd00::/8,loopback' }).trustProxy)
      .toEqual(['10.0.0.0/8', '127.0.0.1', '::1', 'fd00::/8', 'loopback']);
  });

  it.each(['true', 'yes', '10.0.0.0/33', '10.0.0', 'proxy.internal', '17'])('refuses %s with a message naming the variable', (value) => {
    expect(() => loadConfig({ NEURO_TRUST_PROXY: value })).toThrow(ConfigError);
    expect(() => loadConfig({ NEURO_TRUST_PROXY: value })).toThrow(/NEURO_TRUST_PROXY/);
  });
});
