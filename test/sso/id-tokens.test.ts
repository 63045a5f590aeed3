import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, setup, teardown, type Setup } from '../helpers/index.js';
import { Jar, startFakeIdp, type FakeIdp, type FakeMode } from './idp.js';

/**
 * ID tokens that must not sign anyone in, from a fake provider whose token endpoint signs them
 * wrong on purpose: openid-client checks the signature against the provider's JWKS, the issuer,
 * the audience, the nonce and the expiry before the server looks at any claim.
 */
let s: Setup;
let idp: FakeIdp;

async function signIn(mode: FakeMode) {
  idp.mode = mode;
  const jar = new Jar();
  const res = await jar.fetch(`${s.server.origin}/api/v1/auth/sso/start?tenant=${s.tenant.slug}`);
  expect(res.status).toBe(302);
  const atIdp = await jar.fetch(res.headers.get('location')!);
  const back = await jar.fetch(atIdp.headers.get('location')!);
  expect(back.status).toBe(302);
  return { location: back.headers.get('location'), session: jar.get(s.server.origin, 'neuro_session') };
}

beforeAll(async () => {
  s = await setup();
  idp = await startFakeIdp();
  const res = await s.api.put('/settings/sso', {
    issuer_url: idp.issuer, client_id: idp.clientId, client_secret: 'fake-secret', display_name: 'Fake', allowed_domains: ['acme.test'],
  });
  expect(res.status, res.text).toBe(200);
});
afterAll(async () => {
  await idp?.close();
  await teardown(s);
});

describe('ID token checks', () => {
  it('signs in with a good one (the control)', async () => {
    const { location, session } = await signIn('ok');
    expect(location).toBe('/');
    const me = await client(s.server.url, decodeURIComponent(session!)).get('/user');
    expect(me.body.data).toMatchObject({ email: 'fake@acme.test', role: 'viewer', name: 'Fake Person' });
  });

  for (const mode of ['forged', 'expired', 'wrong-nonce', 'wrong-audience'] as const) {
    it(`refuses a ${mode} ID token`, async () => {
      const { location, session } = await signIn(mode);
      expect(location).toBe(`/sign-in?sso_error=sso_token_invalid&tenant=${s.tenant.slug}`);
      expect(session).toBeUndefined();
      const failed = await s.api.get('/audit-log?action=auth.login_failed&limit=1');
      expect(failed.body.data[0].data).toMatchObject({ method: 'sso', reason: 'sso_token_invalid' });
    });
  }

  it('refuses email_verified false in the ID token itself', async () => {
    idp.email = 'unverified@acme.test';
    const { location } = await signIn('unverified');
    expect(location).toMatch(/^\/sign-in\?sso_error=sso_email_unverified/);
    expect((await s.api.get('/users?search=unverified')).body.data).toEqual([]);
    idp.email = 'fake@acme.test';
  });

  it('logs why a token was refused, and no token', async () => {
    const warned = s.server.logs.filter((l) => l.includes('sso sign-in failed'));
    expect(warned.length).toBeGreaterThanOrEqual(4);
    expect(warned.join('\n')).not.toMatch(/eyJ[\w-]+\.eyJ/);
    const details = warned.map((l) => String(JSON.parse(l).detail)).join('\n');
    // Each refused for its own reason, by openid-client.
    expect(details).toMatch(/JWT signature verification failed/);
    expect(details).toMatch(/"exp" \(expiration time\) claim value, expiration is past/);
    expect(details).toMatch(/unexpected ID Token "nonce" claim value/);
    expect(details).toMatch(/"aud" \(audience\) claim value/);
  });
});
