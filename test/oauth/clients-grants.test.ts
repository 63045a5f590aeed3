import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as oidc from 'openid-client';
import { client, raw, setup, teardown, type Setup, type TestTenant } from '../helpers/index.js';

/**
 * The OAuth clients and grants API: admins only (403 for a wrong scope), one tenant's objects are
 * another's 404, bad input is a 400, a secret is shown once and stored hashed; an expired code is
 * invalid_grant; revoking a grant or deleting a client ends its tokens at once.
 */
let s: Setup;
let other: TestTenant;
let saId: string;

async function confidential(name = 'Importer') {
  const res = await s.api.post('/oauth2/clients', { name, client_type: 'confidential', scopes: ['findings:read'], service_account_id: saId });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; client_secret: string };
}

async function ccToken(id: string, secret: string) {
  const config = await oidc.discovery(new URL(`${s.server.origin}/api/v1/auth/oauth2`), id, secret, oidc.ClientSecretBasic(secret), {
    execute: [oidc.allowInsecureRequests], algorithm: 'oauth2',
  });
  return oidc.clientCredentialsGrant(config, { scope: 'findings:read' });
}

beforeAll(async () => {
  s = await setup();
  other = await s.server.createTenant();
  saId = (await s.api.post('/service-accounts', { name: 'Bot', role: 'viewer' })).body.data.id;
}, 180_000);
afterAll(() => teardown(s));

describe('OAuth clients API', () => {
  it('shows a confidential client\'s secret once and stores only its hash', async () => {
    const c = await confidential();
    expect(c.client_secret).toMatch(/^nf_cs_[A-Za-z0-9_-]{43}$/);
    const got = await s.api.get(`/oauth2/clients/${c.id}`);
    expect(got.status).toBe(200);
    expect(got.body.data.client_secret).toBeUndefined();
    expect(got.text).not.toContain(c.client_secret);
    const rows = await s.server.db.tenant(s.tenant.id, (q) => q.query<{ secret_hash: string }>('SELECT secret_hash FROM oauth_clients WHERE id = $1', [c.id]));
    expect(rows.rows[0]!.secret_hash).not.toContain(c.client_secret);
    const list = await s.api.get('/oauth2/clients');
    expect(list.body.meta).toMatchObject({ page: 1, limit: 50 });
    expect(list.text).not.toContain(c.client_secret);
  });

  it('refuses bad input with 400 VALIDATION_ERROR', async () => {
    const bad = [
      { name: 'x', client_type: 'public', scopes: ['findings:read'] },
      { name: 'x', client_type: 'public', scopes: ['findings:read'], redirect_uris: ['http://evil.example/cb'] },
      { name: 'x', client_type: 'confidential', scopes: ['nope'], service_account_id: saId },
      { name: 'x', client_type: 'confidential', scopes: ['findings:write'], service_account_id: saId },
      { name: 'x', client_type: 'confidential', scopes: ['findings:read'], service_account_id: 'sa_nope' },
      { name: 'x', client_type: 'public', scopes: [], redirect_uris: ['https://app.example/cb'] },
    ];
    for (const body of bad) {
      const res = await s.api.post('/oauth2/clients', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
    }
  });

  it('is for admins: 403 for a token without the admin scope', async () => {
    const token = await s.server.mintToken(s.tenant, ['findings:read', 'projects:read'], 'admin');
    const api = client(s.server.url, token);
    for (const [method, path] of [['GET', '/oauth2/clients'], ['POST', '/oauth2/clients'], ['GET', '/oauth2/clients/oac_x'], ['DELETE', '/oauth2/clients/oac_x'], ['GET', '/oauth2/grants'], ['DELETE', '/oauth2/grants/x']] as const) {
      const res = await raw(`${s.server.url}${path}`, { method, headers: { authorization: `Bearer ${token}` }, body: method === 'POST' ? { name: 'x' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // Own grants need a session or an admin-scoped token.
    expect((await api.get('/user/oauth2/grants')).status).toBe(403);
  });

  it('keeps each tenant\'s clients and grants to itself: 404 from another tenant', async () => {
    const c = await confidential('Mine');
    const foreign = client(s.server.url, other.token);
    expect((await foreign.get(`/oauth2/clients/${c.id}`)).status).toBe(404);
    expect((await foreign.del(`/oauth2/clients/${c.id}`)).status).toBe(404);
    expect((await foreign.get('/oauth2/clients')).body.data).toEqual([]);
    // A token of this tenant's client is refused on the other tenant's host.
    const t = await ccToken(c.id, c.client_secret);
    const res = await raw(`${s.server.url}/findings`, { headers: { authorization: `Bearer ${t.access_token}`, host: `${other.slug}.localhost` } });
    expect(res.status).toBe(401);
    // On the other tenant's host the client does not exist.
    const onOther = await raw(`${s.server.origin}/api/v1/auth/oauth2/token`, {
      method: 'POST',
      headers: { host: `${other.slug}.localhost`, 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${c.id}:${c.client_secret}`).toString('base64')}` },
      body: 'grant_type=client_credentials&scope=findings%3Aread',
    });
    expect(onOther.status).toBe(401);
    expect(onOther.body.error).toBe('invalid_client');
    // An unknown tenant host is a 404.
    expect((await raw(`${s.server.origin}/.well-known/oauth-protected-resource/mcp`, { headers: { host: 'nobody-here.localhost' } })).status).toBe(404);
  });

  it('deleting a client ends its tokens at once', async () => {
    const c = await confidential('Short-lived');
    const t = await ccToken(c.id, c.client_secret);
    const api = client(s.server.url, t.access_token);
    expect((await api.get('/findings')).status).toBe(200);
    expect((await s.api.del(`/oauth2/clients/${c.id}`)).status).toBe(204);
    const after = await api.get('/findings');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('INVALID_TOKEN');
    await expect(ccToken(c.id, c.client_secret)).rejects.toBeTruthy();
  });

  it('answers the token endpoint per RFC 6749 for malformed requests, never 500', async () => {
    for (const body of ['', 'grant_type=nope', 'grant_type=authorization_code&code=x', 'grant_type=refresh_token', '%%%']) {
      const res = await raw(`${s.server.origin}/api/v1/auth/oauth2/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      expect(res.status, body).toBeGreaterThanOrEqual(400);
      expect(res.status, body).toBeLessThan(500);
      expect(typeof res.body.error).toBe('string');
    }
  });
});

describe('expired codes', () => {
  it('refuses a code past its 60 seconds with invalid_grant', async () => {
    const redirect = 'https://app.example/cb';
    const created = await s.api.post('/oauth2/clients', { name: 'Web', client_type: 'confidential', token_endpoint_auth_method: 'client_secret_post', redirect_uris: [redirect], scopes: ['findings:read'] });
    expect(created.status, created.text).toBe(201);
    const { id, client_secret: secret } = created.body.data;
    // The consent, made directly: a grant and a code as oidc-provider would store them.
    const user = await s.server.createUser(s.tenant, { role: 'viewer' });
    const login = await raw(`${s.server.url}/auth/login`, { method: 'POST', body: { email: user.email, password: user.password, set_cookie: true } });
    const cookies = ([] as string[]).concat(login.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    const verifier = oidc.randomPKCECodeVerifier();
    const config = await oidc.discovery(new URL(`${s.server.origin}/api/v1/auth/oauth2`), id, secret, oidc.ClientSecretPost(secret), { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' });
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: redirect, scope: 'findings:read', state: 's', code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' });
    const authz = await raw(url.href, { headers: { cookie: cookies } });
    const uid = String(authz.headers.location).split('/oauth/consent/')[1]!;
    const resumeCookies = [cookies, ...([] as string[]).concat(authz.headers['set-cookie'] ?? []).map((c) => c.split(';')[0])].join('; ');
    const csrf = /neuro_csrf=([^;]+)/.exec(cookies)![1]!;
    // The consent endpoints: a token is no session (403), another tenant's user does not find it (404).
    expect((await client(s.server.url, s.tenant.token).get(`/auth/oauth2/interaction/${uid}`)).status).toBe(403);
    const outsider = await s.server.createUser(other, { role: 'admin' });
    const outsiderSession = client(s.server.url, (await s.server.login(other, outsider)).access_token);
    expect((await outsiderSession.get(`/auth/oauth2/interaction/${uid}`)).status).toBe(404);
    expect((await outsiderSession.post(`/auth/oauth2/interaction/${uid}/confirm`)).status).toBe(404);
    expect((await outsiderSession.post(`/auth/oauth2/interaction/${uid}/deny`)).status).toBe(404);
    expect((await outsiderSession.get('/user/oauth2/grants')).body.data).toEqual([]);
    const confirm = await raw(`${s.server.url}/auth/oauth2/interaction/${uid}/confirm`, { method: 'POST', headers: { cookie: cookies, 'x-csrf-token': decodeURIComponent(csrf), origin: s.server.origin } });
    expect(confirm.status, confirm.text).toBe(200);
    const resumed = await raw(confirm.body.data.redirect_to, { headers: { cookie: resumeCookies } });
    const back = new URL(String(resumed.headers.location));
    expect(back.searchParams.get('code')).toBeTruthy();
    await s.server.db.tenant(s.tenant.id, (q) => q.query(`UPDATE oauth_store SET expires_at = now() - interval '1 second' WHERE model = 'AuthorizationCode'`));
    await expect(oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: 's' })).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
