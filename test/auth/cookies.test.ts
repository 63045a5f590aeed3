import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { raw, setup, startServer, teardown, type Setup, type TestServer, type TestTenant, type TestUser } from '../helpers/index.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let user: TestUser;

beforeAll(async () => {
  s = await setup();
  ({ server, tenant } = s);
  user = await server.createUser(tenant, { role: 'tester' });
}, 180_000);
afterAll(() => teardown(s));

function parseSetCookies(headers: Record<string, unknown>): Record<string, any> {
  const list = (headers['set-cookie'] as string[] | undefined) ?? [];
  return Object.fromEntries(list.map((c) => {
    const [pair, ...attrs] = c.split(';').map((s) => s.trim());
    const i = pair!.indexOf('=');
    return [pair!.slice(0, i), { value: decodeURIComponent(pair!.slice(i + 1)), attrs }];
  }));
}

async function browserLogin() {
  const res = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password, set_cookie: true } });
  expect(res.status).toBe(200);
  const cookies = parseSetCookies(res.headers);
  const jar = Object.entries(cookies).map(([k, v]) => `${k}=${encodeURIComponent(v.value)}`).join('; ');
  return { res, cookies, jar, csrf: String(res.headers['x-csrf-token']) };
}

describe('browser session cookie', () => {
  it('over plain HTTP to an IP: unprefixed, HttpOnly, SameSite=Lax, Path=/, not Secure', async () => {
    const { res, cookies, csrf } = await browserLogin();
    expect(Object.keys(res.body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(Object.keys(cookies).sort()).toEqual(['neuro_csrf', 'neuro_refresh', 'neuro_session']);
    const session = cookies['neuro_session'];
    expect(session.value).toBe(res.body.access_token);
    expect(session.attrs).toEqual(expect.arrayContaining(['Path=/', 'SameSite=Lax', 'HttpOnly', 'Max-Age=3600']));
    expect(session.attrs.some((a: string) => a.startsWith('Domain'))).toBe(false);
    for (const c of Object.values(cookies)) expect(c.attrs).not.toContain('Secure');
    expect(cookies['neuro_refresh'].attrs).toContain('HttpOnly');
    // The page must read the CSRF token: not HttpOnly.
    expect(cookies['neuro_csrf'].attrs).not.toContain('HttpOnly');
    expect(cookies['neuro_csrf'].value).toBe(csrf);
  });

  it('on localhost and *.localhost (secure contexts): __Host- prefixed and Secure; on another plain-HTTP host: unprefixed', async () => {
    const cases: [string, boolean][] = [
      ['localhost', true], [`localhost:${server.port}`, true], [`${tenant.slug}.localhost:${server.port}`, true], ['LOCALHOST', true],
      ['testbox.lan:8080', false], ['192.168.1.20', false], ['localhost.example.com', false],
    ];
    for (const [host, secure] of cases) {
      const res = await raw(`${server.url}/auth/login`, { method: 'POST', headers: { host }, body: { email: user.email, password: user.password, set_cookie: true } });
      expect(res.status, host).toBe(200);
      const cookies = parseSetCookies(res.headers);
      const prefix = secure ? '__Host-' : '';
      expect(Object.keys(cookies).sort(), host).toEqual([`${prefix}neuro_csrf`, `${prefix}neuro_refresh`, `${prefix}neuro_session`]);
      for (const c of Object.values(cookies)) expect(c.attrs.includes('Secure'), host).toBe(secure);
      // Read back under the name of the same context only.
      const jar = Object.entries(cookies).map(([k, v]) => `${k}=${v.value}`).join('; ');
      expect((await raw(`${server.url}/user`, { headers: { host, cookie: jar } })).status, host).toBe(200);
      const otherHost = secure ? '192.168.1.20' : 'localhost';
      expect((await raw(`${server.url}/user`, { headers: { host: otherHost, cookie: jar } })).status, `${host} → ${otherHost}`).toBe(401);
    }
  });

  it('without set_cookie, login sets no cookie', async () => {
    const res = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password } });
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('authenticates reads by cookie, and the same token works as Bearer', async () => {
    const { jar, res } = await browserLogin();
    expect((await raw(`${server.url}/user`, { headers: { cookie: jar } })).status).toBe(200);
    expect((await raw(`${server.url}/user`, { headers: { authorization: `Bearer ${res.body.access_token}` } })).status).toBe(200);
  });

  it('needs the same origin and the CSRF token for state-changing requests by cookie', async () => {
    const { jar, csrf, res } = await browserLogin();
    const origin = server.origin;
    const post = (headers: Record<string, string>) =>
      raw(`${server.url}/projects`, { method: 'POST', body: { name: 'From the browser' }, headers: { cookie: jar, ...headers } });
    const none = await post({});
    expect(none.status).toBe(403);
    expect(none.body.error.message).toMatch(/CSRF/);
    expect((await post({ origin, 'x-csrf-token': 'wrong' })).status).toBe(403);
    expect((await post({ origin: 'https://evil.example', 'x-csrf-token': csrf })).status).toBe(403);
    expect((await post({ 'x-csrf-token': csrf })).status).toBe(403); // no Origin nor Referer
    // A CSRF token of another session does not fit this one.
    const other = await browserLogin();
    expect((await post({ origin, 'x-csrf-token': other.csrf })).status).toBe(403);
    // Same origin and the right token: it passes (a tester may not create projects: the role answers).
    const ok = await post({ origin, 'x-csrf-token': csrf });
    expect(ok.status).toBe(403);
    expect(ok.body.error.code).toBe('PERMISSION_DENIED');
    const finding = await raw(`${server.url}/findings`, {
      method: 'POST', body: { project_id: 'proj_missing', title: 'x' }, headers: { cookie: jar, referer: `${origin}/app/findings`, 'x-csrf-token': csrf },
    });
    expect([400, 404]).toContain(finding.status);
    // Bearer needs no CSRF token.
    const bearer = await raw(`${server.url}/findings`, { method: 'POST', body: { project_id: 'proj_missing', title: 'x' }, headers: { authorization: `Bearer ${res.body.access_token}` } });
    expect([400, 404]).toContain(bearer.status);
  });

  it('refreshes from the refresh cookie (with the CSRF check) and sets new cookies', async () => {
    const { jar, csrf } = await browserLogin();
    const noCsrf = await raw(`${server.url}/auth/refresh`, { method: 'POST', headers: { cookie: jar } });
    expect(noCsrf.status).toBe(403);
    const res = await raw(`${server.url}/auth/refresh`, { method: 'POST', headers: { cookie: jar, origin: server.origin, 'x-csrf-token': csrf } });
    expect(res.status).toBe(200);
    const cookies = parseSetCookies(res.headers);
    expect(cookies['neuro_session'].value).toBe(res.body.access_token);
    expect(cookies['neuro_refresh'].value).toBe(res.body.refresh_token);
  });

  it('logout by cookie needs CSRF and clears the cookies', async () => {
    const { jar, csrf } = await browserLogin();
    expect((await raw(`${server.url}/auth/logout`, { method: 'POST', headers: { cookie: jar } })).status).toBe(403);
    const out = await raw(`${server.url}/auth/logout`, { method: 'POST', headers: { cookie: jar, origin: server.origin, 'x-csrf-token': csrf } });
    expect(out.status).toBe(204);
    const cleared = parseSetCookies(out.headers);
    expect(cleared['neuro_session'].attrs).toContain('Max-Age=0');
    expect((await raw(`${server.url}/user`, { headers: { cookie: jar } })).status).toBe(401);
  });

  it('is __Host- and Secure on any host when NEURO_SECURE_COOKIES says TLS ends in front of the server', async () => {
    const secure = await startServer({ env: { NEURO_SECURE_COOKIES: 'true' } });
    try {
      const t = await secure.createTenant();
      const u = await secure.createUser(t);
      const res = await raw(`${secure.url}/auth/login`, { method: 'POST', body: { email: u.email, password: u.password, set_cookie: true } });
      const cookies = parseSetCookies(res.headers);
      for (const name of ['__Host-neuro_session', '__Host-neuro_refresh', '__Host-neuro_csrf']) expect(cookies[name].attrs).toContain('Secure');
      const jar = `__Host-neuro_session=${cookies['__Host-neuro_session'].value}`;
      expect((await raw(`${secure.url}/user`, { headers: { cookie: jar } })).status).toBe(200);
      expect((await raw(`${secure.url}/user`, { headers: { cookie: `neuro_session=${cookies['__Host-neuro_session'].value}` } })).status).toBe(401);
    } finally {
      await teardown(secure);
    }
  }, 120_000);
});
