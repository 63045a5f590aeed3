import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, raw, setup, teardown, type Setup } from '../helpers/index.js';
import { Jar, signInThroughIdp, startIdp, type TestIdp } from './idp.js';

/**
 * Sign-in through the tenant's OpenID Connect provider, over plain HTTP: oidc-provider on loopback
 * is the team's IdP, and each test walks its login and consent pages as a browser would.
 */
let s: Setup;
let idp: TestIdp;
const callback = () => `${s.server.origin}/api/v1/auth/sso/callback`;
const start = (returnTo?: string) =>
  `${s.server.origin}/api/v1/auth/sso/start?tenant=${s.tenant.slug}${returnTo === undefined ? '' : `&return_to=${encodeURIComponent(returnTo)}`}`;

async function configure(overrides: Record<string, unknown> = {}) {
  const res = await s.api.put('/settings/sso', {
    issuer_url: idp.issuer, client_id: idp.clientId, client_secret: idp.clientSecret, display_name: 'Acme ID',
    allowed_domains: ['acme.test'], default_role: 'tester', ...overrides,
  });
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}

/** The access token the callback set as the session cookie (127.0.0.1 is plain HTTP: unprefixed names). */
function sessionOf(jar: Jar) {
  const token = jar.get(s.server.origin, 'neuro_session');
  expect(token).toBeTruthy();
  return client(s.server.url, decodeURIComponent(token!));
}

async function audit(action: string) {
  const res = await s.api.get(`/audit-log?action=${action}&limit=100`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as { data: Record<string, unknown>; actor: { id: string }; object_id: string }[];
}

beforeAll(async () => {
  s = await setup();
  idp = await startIdp([callback()]);
  await configure();
});
afterAll(async () => {
  await idp?.close();
  await teardown(s);
});

describe('SSO sign-in', () => {
  it('tells the sign-in page which provider to offer', async () => {
    const res = await client(s.server.url).get(`/auth/sso?tenant=${s.tenant.slug}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toEqual({ tenant: s.tenant.slug, enabled: true, name: 'Acme ID', passwords_allowed: true });
    const unknown = await client(s.server.url).get('/auth/sso?tenant=no-such-tenant');
    expect(unknown.status).toBe(404);
  });

  it('starts with a redirect to the provider: code flow with PKCE S256, state and nonce, and a browser-binding cookie', async () => {
    const jar = new Jar();
    const res = await jar.fetch(start('/findings'));
    expect(res.status).toBe(302);
    const to = new URL(res.headers.get('location')!);
    expect(to.origin).toBe(idp.issuer);
    expect(to.searchParams.get('response_type')).toBe('code');
    expect(to.searchParams.get('client_id')).toBe(idp.clientId);
    expect(to.searchParams.get('redirect_uri')).toBe(callback());
    expect(to.searchParams.get('code_challenge_method')).toBe('S256');
    expect(to.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    expect(to.searchParams.get('state')).toMatch(/^[\w-]{20,}$/);
    expect(to.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(to.searchParams.get('scope')).toBe('openid email profile');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('neuro_sso='));
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Max-Age=600/);
  });

  it('creates the user on first sign-in with the default role, records it, and the second sign-in is the same user', async () => {
    idp.accounts.set('alice', { email: 'Alice@Acme.test', email_verified: true, name: 'Alice Example' });
    const jar = new Jar();
    const done = await signInThroughIdp(jar, start('/findings?severity=High'), 'alice');
    expect(done.status, done.body).toBe(302);
    expect(done.location).toBe('/findings?severity=High');
    const me = await sessionOf(jar).get('/user');
    expect(me.status, me.text).toBe(200);
    expect(me.body.data).toMatchObject({ email: 'alice@acme.test', name: 'Alice Example', role: 'tester', type: 'user' });
    expect(me.body.data.credential.kind).toBe('session');
    const userId = me.body.data.id as string;

    const created = (await audit('user.created')).filter((e) => e.object_id === userId);
    expect(created).toHaveLength(1);
    expect(created[0]!.actor.id).toBe(userId);
    const logins = (await audit('auth.login_succeeded')).filter((e) => e.actor.id === userId);
    expect(logins).toHaveLength(1);
    expect(logins[0]!.data).toMatchObject({ method: 'sso', email: 'alice@acme.test', issuer: idp.issuer, subject: 'alice', user_created: true });

    const again = new Jar();
    const second = await signInThroughIdp(again, start(), 'alice');
    expect(second.location).toBe('/');
    expect((await sessionOf(again).get('/user')).body.data.id).toBe(userId);
    const after = (await audit('auth.login_succeeded')).filter((e) => e.actor.id === userId);
    expect(after).toHaveLength(2);
    expect(after[0]!.data).toMatchObject({ method: 'sso', user_created: false });
    const users = await s.api.get('/users?search=alice@acme.test');
    expect(users.body.data).toHaveLength(1);
  });

  it('matches an existing user by verified email and keeps their role; the session works like a password login', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'manager', email: 'bob@acme.test' });
    const jar = new Jar();
    const done = await signInThroughIdp(jar, start(), 'bob');
    expect(done.location).toBe('/');
    const api = sessionOf(jar);
    const me = await api.get('/user');
    expect(me.body.data).toMatchObject({ id: user.id, role: 'manager' });
    // The refresh cookie works like one from /auth/login.
    const refresh = jar.get(s.server.origin, 'neuro_refresh');
    const refreshed = await client(s.server.url).post('/auth/refresh', { refresh_token: decodeURIComponent(refresh!) });
    expect(refreshed.status, refreshed.text).toBe(200);
    // And the password still works too (passwords_allowed is true).
    await s.server.login(s.tenant, user);
  });

  it('refuses an email of a domain that is not allowed, and creates nobody', async () => {
    idp.accounts.set('mallory', { email: 'mallory@evil.test', email_verified: true });
    const done = await signInThroughIdp(new Jar(), start(), 'mallory');
    expect(done.status).toBe(302);
    expect(done.location).toBe(`/sign-in?sso_error=sso_domain_not_allowed&tenant=${s.tenant.slug}`);
    expect((await s.api.get('/users?search=mallory')).body.data).toEqual([]);
    const failed = (await audit('auth.login_failed')).find((e) => e.data.email === 'mallory@evil.test');
    expect(failed?.data).toMatchObject({ method: 'sso', reason: 'sso_domain_not_allowed' });
  });

  it('refuses an email the provider has not verified', async () => {
    idp.accounts.set('carol', { email: 'carol@acme.test', email_verified: false });
    const done = await signInThroughIdp(new Jar(), start(), 'carol');
    expect(done.location).toMatch(/^\/sign-in\?sso_error=sso_email_unverified/);
    idp.accounts.set('dave', { email: 'dave@acme.test' });
    const missing = await signInThroughIdp(new Jar(), start(), 'dave');
    expect(missing.location).toMatch(/^\/sign-in\?sso_error=sso_email_unverified/);
    expect((await s.api.get('/users?search=carol')).body.data).toEqual([]);
  });

  it('refuses a deactivated user', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'viewer', email: 'erin@acme.test' });
    expect((await s.api.del(`/users/${user.id}`)).status).toBe(204);
    const done = await signInThroughIdp(new Jar(), start(), 'erin');
    expect(done.location).toMatch(/^\/sign-in\?sso_error=sso_account_inactive/);
  });

  it('uses a state once: the same callback again is refused', async () => {
    const jar = new Jar();
    const { callbackUrl } = await signInThroughIdp(jar, start(), 'alice', { stopAtCallback: true });
    const binding = jar.header(s.server.origin);
    const first = await fetch(callbackUrl!, { redirect: 'manual', headers: { cookie: binding } });
    expect(first.headers.get('location')).toBe('/');
    // The log has the callback's path and parameter names, never the code or the state.
    const code = new URL(callbackUrl!).searchParams.get('code')!;
    const state = new URL(callbackUrl!).searchParams.get('state')!;
    const logs = s.server.logs.join('\n');
    expect(logs).toContain('/api/v1/auth/sso/callback?code=…&state=…');
    expect(logs).not.toContain(code);
    expect(logs).not.toContain(state);
    const replay = await fetch(callbackUrl!, { redirect: 'manual', headers: { cookie: binding } });
    expect(replay.status).toBe(302);
    expect(replay.headers.get('location')).toMatch(/^\/sign-in\?sso_error=sso_state_invalid/);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('neuro_session='))).toBe(false);
  });

  it('uses a state once under a concurrent burst of the same callback: one session, the rest refused', async () => {
    const jar = new Jar();
    const { callbackUrl } = await signInThroughIdp(jar, start(), 'alice', { stopAtCallback: true });
    const binding = jar.header(s.server.origin);
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(callbackUrl!, { redirect: 'manual', headers: { cookie: binding } })));
    const signedIn = answers.filter((a) => a.headers.getSetCookie().some((c) => c.startsWith('neuro_session=')));
    expect(signedIn).toHaveLength(1);
    expect(signedIn[0]!.headers.get('location')).toBe('/');
    for (const a of answers.filter((x) => !signedIn.includes(x))) {
      expect(a.status).toBe(302);
      expect(a.headers.get('location')).toMatch(/^\/sign-in\?sso_error=sso_state_invalid/);
    }
  });

  it('refuses a callback in a browser that did not start the sign-in, or with another state (login CSRF)', async () => {
    const jar = new Jar();
    const { callbackUrl } = await signInThroughIdp(jar, start(), 'alice', { stopAtCallback: true });
    const noCookie = await fetch(callbackUrl!, { redirect: 'manual' });
    expect(noCookie.headers.get('location')).toMatch(/^\/sign-in\?sso_error=sso_state_invalid/);
    // Another browser's own binding does not fit this state either.
    const other = new Jar();
    await other.fetch(start());
    const crossed = await fetch(callbackUrl!, { redirect: 'manual', headers: { cookie: other.header(s.server.origin) } });
    expect(crossed.headers.get('location')).toMatch(/^\/sign-in\?sso_error=sso_state_invalid/);
    const tampered = new URL(callbackUrl!);
    tampered.searchParams.set('state', 'x'.repeat(43));
    const wrongState = await fetch(tampered, { redirect: 'manual', headers: { cookie: jar.header(s.server.origin) } });
    expect(wrongState.headers.get('location')).toMatch(/^\/sign-in\?sso_error=sso_state_invalid/);
  });

  it('refuses on another tenant’s host a sign-in that this tenant started', async () => {
    const other = await s.server.createTenant();
    const jar = new Jar();
    const { callbackUrl } = await signInThroughIdp(jar, start(), 'alice', { stopAtCallback: true });
    const res = await raw(callbackUrl!, { headers: { host: `${other.slug}.localhost:${s.server.port}`, cookie: jar.header(s.server.origin) } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/sign-in?sso_error=sso_state_invalid');
    expect(String(res.headers['set-cookie'] ?? '')).not.toMatch(/neuro_session=[^;]/);
  });

  it('lands only on paths of the app, never another origin', async () => {
    for (const bad of ['https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/sign-in?x=1', '/%0d%0aSet-Cookie:x']) {
      const done = await signInThroughIdp(new Jar(), start(bad), 'alice');
      expect(done.status).toBe(302);
      const location = done.location!;
      expect(location.startsWith('/') && !location.startsWith('//'), `${bad} → ${location}`).toBe(true);
      expect(new URL(location, s.server.origin).origin).toBe(s.server.origin);
      if (bad !== '/%0d%0aSet-Cookie:x') expect(location).toBe('/');
    }
  });

  it('sends a cancelled sign-in back with a code', async () => {
    const jar = new Jar();
    const startRes = await jar.fetch(start());
    const state = new URL(startRes.headers.get('location')!).searchParams.get('state')!;
    const res = await jar.fetch(`${callback()}?error=access_denied&state=${state}`);
    expect(res.headers.get('location')).toMatch(/^\/sign-in\?sso_error=sso_cancelled/);
  });

  it('answers a malformed callback with a redirect, not an error page', async () => {
    for (const q of ['', '?code=x', '?state=', '?code=x&state=y&iss=z']) {
      const res = await fetch(`${callback()}${q}`, { redirect: 'manual', headers: { cookie: 'neuro_sso=garbage' } });
      expect(res.status, q).toBe(302);
      expect(res.headers.get('location')).toMatch(/^\/sign-in\?sso_error=sso_state_invalid/);
    }
  });

  it('with passwords turned off, refuses password sign-in except for admins', async () => {
    const tester = await s.server.createUser(s.tenant, { role: 'tester', email: 'frank@acme.test' });
    const admin = await s.server.createUser(s.tenant, { role: 'admin', email: 'grace@acme.test' });
    await configure({ passwords_allowed: false, client_secret: undefined });
    try {
      expect((await client(s.server.url).get(`/auth/sso?tenant=${s.tenant.slug}`)).body.data.passwords_allowed).toBe(false);
      const refused = await client(s.server.url).post('/auth/login', { email: tester.email, password: tester.password, tenant: s.tenant.slug });
      expect(refused.status, refused.text).toBe(403);
      expect(refused.body.error).toMatchObject({ code: 'FORBIDDEN', message: 'Password sign-in is turned off for this workspace: sign in with Acme ID' });
      // A wrong password is still just a wrong password.
      const wrong = await client(s.server.url).post('/auth/login', { email: tester.email, password: 'not it at all', tenant: s.tenant.slug });
      expect(wrong.status).toBe(401);
      // The way back in when the provider fails: admins keep their password.
      await s.server.login(s.tenant, admin);
      // And SSO still signs the tester in (the secret stayed although the PUT left it out).
      const done = await signInThroughIdp(new Jar(), start(), 'frank');
      expect(done.location).toBe('/');
    } finally {
      await configure({ passwords_allowed: true, client_secret: undefined });
    }
    await s.server.login(s.tenant, tester);
  });

  it('when turned off, offers no provider and refuses to start', async () => {
    await configure({ enabled: false, client_secret: undefined });
    try {
      expect((await client(s.server.url).get(`/auth/sso?tenant=${s.tenant.slug}`)).body.data).toMatchObject({ enabled: false, name: null });
      const res = await fetch(start(), { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/sign-in?sso_error=sso_not_enabled&tenant=${s.tenant.slug}`);
    } finally {
      await configure({ client_secret: undefined });
    }
  });
});
