import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, freshStep, raw, setup, teardown, totpCode, type Setup, type TestServer } from '../helpers/index.js';

let s: Setup;
let server: TestServer;

beforeAll(async () => {
  s = await setup({ env: { LOG_LEVEL: 'trace' } });
  server = s.server;
}, 180_000);
afterAll(() => teardown(s));

describe('secrets never reach the logs', () => {
  it('passwords, API keys, access and refresh tokens, TOTP secrets and recovery codes', async () => {
    const tenant = await server.createTenant();
    const secrets: string[] = [tenant.token];
    const user = await server.createUser(tenant, { password: 'log-test password 4711' });
    secrets.push(user.password);
    await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: 'a wrong password 0815' } });
    secrets.push('a wrong password 0815');
    const login = await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password, set_cookie: true } });
    const { access_token, refresh_token } = login.body;
    secrets.push(access_token, refresh_token, String(login.headers['x-csrf-token']));
    const refreshed = await raw(`${server.url}/auth/refresh`, { method: 'POST', body: { refresh_token } });
    secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);
    await raw(`${server.url}/auth/refresh`, { method: 'POST', body: { refresh_token } }); // reuse
    const t = await server.login(tenant, user);
    const api = client(server.url, t.access_token);
    secrets.push(t.access_token, t.refresh_token);
    const key = (await api.post('/user/api-keys', { name: 'k' })).body.data.key;
    secrets.push(key);
    await client(server.url).get('/projects', { 'x-api-key': key });
    await client(server.url, `${key.slice(0, -1)}0`).get('/projects');
    await raw(`${server.url}/user`, { headers: { cookie: `neuro_session=${t.access_token}` } });
    const setup = (await api.post('/user/2fa/setup')).body.data;
    secrets.push(setup.secret);
    await freshStep();
    const enabled = (await api.post('/user/2fa/enable', { totp_code: totpCode(setup.secret) })).body.data;
    secrets.push(...enabled.recovery_codes);
    await api.put('/user/password', { current_password: user.password, new_password: 'another long password 42' });
    secrets.push('another long password 42');
    await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: 'another long password 42', recovery_code: enabled.recovery_codes[0] } });
    // A malformed JSON body with a password in it.
    await raw(`${server.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: undefined });
    await fetch(`${server.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":"x@y.z","password":"malformed secret 999"' });
    secrets.push('malformed secret 999');

    const logs = server.logs.join('\n');
    expect(logs.length).toBeGreaterThan(1000); // the requests were logged
    for (const s of secrets) {
      expect(logs.includes(s), `log contains ${s.slice(0, 12)}…`).toBe(false);
      // Nor a long piece of it (a token is also useless in halves, but be strict).
      if (s.length >= 40) expect(logs.includes(s.slice(8, 40))).toBe(false);
    }
  });
});
