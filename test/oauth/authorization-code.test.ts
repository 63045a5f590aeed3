import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import * as oidc from 'openid-client';
import { client, setup, teardown, type Setup, type TestUser } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot, signedIn } from '../web/browser.js';

/**
 * Authorization code with PKCE through openid-client (a certified RP), the user's consent given in
 * Chromium on the web app's consent screen; then refresh with rotation, reuse detection, and the
 * refusals RFC 6749 names.
 */
let s: Setup;
let browser: Browser;
let user: TestUser;
let config: oidc.Configuration;
let clientId: string;
const contexts: BrowserContext[] = [];
const REDIRECT = 'http://127.0.0.1:9/callback';

beforeAll(async () => {
  [s, browser] = await Promise.all([setup(), launchBrowser()]);
  user = await s.server.createUser(s.tenant, { role: 'tester', name: 'Tess Tester' });
  const created = await s.api.post('/oauth2/clients', {
    name: 'Report Assistant', client_type: 'public', redirect_uris: [REDIRECT],
    scopes: ['findings:read', 'findings:write', 'projects:read', 'admin'],
  });
  expect(created.status, created.text).toBe(201);
  expect(created.body.data.client_secret).toBeNull();
  clientId = created.body.data.id;
  config = await oidc.discovery(new URL(`${s.server.origin}/api/v1/auth/oauth2`), clientId, undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests], algorithm: 'oauth2',
  });
}, 180_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await teardown(s);
});

/** A signed-in page whose navigations to the app's redirect URI are caught and reported. */
async function browserFor(who: { email: string; password: string }): Promise<{ page: Page; callback: () => Promise<URL> }> {
  const context = await signedIn(browser, s.server, who);
  contexts.push(context);
  const page = await newPage(context);
  let resolve!: (u: URL) => void;
  let waiting = new Promise<URL>((r) => (resolve = r));
  await context.route((u) => u.href.startsWith(REDIRECT), async (route) => {
    resolve(new URL(route.request().url()));
    await route.fulfill({ status: 200, contentType: 'text/plain', body: 'back in the app' });
  });
  return {
    page,
    callback: async () => {
      const u = await waiting;
      waiting = new Promise<URL>((r) => (resolve = r));
      return u;
    },
  };
}

async function start(scope: string) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT, scope, state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  return { url, verifier, state };
}

/** Runs the whole browser part: authorize → consent screen → Allow → back at the redirect URI. */
async function consent(scope: string, who: { email: string; password: string } = user) {
  const { url, verifier, state } = await start(scope);
  const { page, callback } = await browserFor(who);
  await page.goto(url.href);
  await expect.poll(() => page.getByRole('heading', { name: 'Allow Report Assistant?' }).isVisible()).toBe(true);
  const back = callback();
  await page.getByRole('button', { name: 'Allow' }).click();
  const callbackUrl = await back;
  // The page has landed at the app's redirect URI (a later goto would cut that navigation short).
  await page.waitForURL((u) => u.href.startsWith(REDIRECT));
  return { page, callbackUrl, verifier, state };
}

/** One token endpoint request, as a form post, with its status and JSON body. */
async function tokenRequest(form: URLSearchParams): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.server.origin}/api/v1/auth/oauth2/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('authorization code with PKCE', () => {
  let tokens: oidc.TokenEndpointResponse;

  it('shows the consent screen (app, scopes in words, workspace) and issues tokens after Allow', async () => {
    const { url, verifier, state } = await start('findings:read projects:read');
    const { page, callback } = await browserFor(user);
    await page.goto(url.href);
    await expect.poll(() => page.getByRole('heading', { name: 'Allow Report Assistant?' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('View findings').isVisible()).toBe(true);
    expect(await page.getByText('View projects').isVisible()).toBe(true);
    expect(await page.getByText(s.tenant.slug, { exact: false }).first().isVisible()).toBe(true);
    await expectAccessible(page, 'consent screen');
    await screenshot(page, 'oauth-consent');
    const back = callback();
    await page.getByRole('button', { name: 'Allow' }).click();
    const callbackUrl = await back;
    expectClean(page);
    tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state });
    expect(tokens.scope).toBe('findings:read projects:read');
    expect(tokens.refresh_token).toBeTruthy();
    const api = client(s.server.url, tokens.access_token);
    expect((await api.get('/findings')).status).toBe(200);
    const denied = await api.get('/assets');
    expect(denied.status).toBe(403);
    // An app's token never manages its user's credentials.
    expect((await api.get('/user/api-keys')).status).toBe(403);
    const me = await api.get('/user');
    expect(me.status).toBe(200);
    expect(me.body.data).toMatchObject({ id: user.id, type: 'user', credential: { kind: 'oauth', scopes: ['findings:read', 'projects:read'] } });
  });

  it('lists the grant under connected apps and a refresh rotates; a reused refresh token revokes the grant', async () => {
    const session = client(s.server.url, (await s.server.login(s.tenant, user)).access_token);
    const own = await session.get('/user/oauth2/grants');
    expect(own.status, own.text).toBe(200);
    expect(own.body.data).toHaveLength(1);
    expect(own.body.data[0].client).toEqual({ id: clientId, name: 'Report Assistant' });
    expect(own.body.data[0].scopes).toEqual(['findings:read', 'projects:read']);
    expect(own.body.meta).toMatchObject({ page: 1, total: 1 });

    const first = tokens.refresh_token!;
    const rotated = await oidc.refreshTokenGrant(config, first);
    expect(rotated.refresh_token).toBeTruthy();
    expect(rotated.refresh_token).not.toBe(first);
    expect((await client(s.server.url, rotated.access_token).get('/findings')).status).toBe(200);

    // The old one again: invalid_grant, and everything of the grant is revoked (RFC 6819 §5.2.2.3).
    await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.refreshTokenGrant(config, rotated.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    const after = await client(s.server.url, rotated.access_token).get('/findings');
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('INVALID_TOKEN');
    expect((await session.get('/user/oauth2/grants')).body.data).toHaveLength(0);
  });

  it('a code works once, and only with its verifier and redirect URI', async () => {
    const { callbackUrl, verifier, state } = await consent('findings:read');
    // Wrong PKCE verifier: invalid_grant (RFC 7636 §4.6).
    await expect(oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: oidc.randomPKCECodeVerifier(), expectedState: state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
    const again = await consent('findings:read');
    const ok = await oidc.authorizationCodeGrant(config, again.callbackUrl, { pkceCodeVerifier: again.verifier, expectedState: again.state });
    expect(ok.access_token).toBeTruthy();
    // The same code a second time: invalid_grant, and the tokens it gave are revoked.
    await expect(oidc.authorizationCodeGrant(config, again.callbackUrl, { pkceCodeVerifier: again.verifier, expectedState: again.state }))
      .rejects.toMatchObject({ error: 'invalid_grant' });
    expect((await client(s.server.url, ok.access_token).get('/findings')).status).toBe(401);
    void verifier;
  });

  it('a concurrent burst of exchanges of one code gets tokens once, and the rest invalid_grant', async () => {
    const { callbackUrl, verifier } = await consent('findings:read');
    const form = new URLSearchParams({
      grant_type: 'authorization_code', code: callbackUrl.searchParams.get('code')!, redirect_uri: REDIRECT,
      client_id: clientId, code_verifier: verifier,
    });
    const answers = await Promise.all(Array.from({ length: 8 }, () => tokenRequest(form)));
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect(a).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    // The reuse revoked the grant: the one token it gave works no more, whenever it was written.
    expect((await client(s.server.url, won[0]!.body.access_token as string).get('/findings')).status).toBe(401);
  });

  it('a concurrent burst of refreshes with one refresh token rotates it once, and the rest invalid_grant', async () => {
    const { callbackUrl, verifier, state } = await consent('findings:read');
    const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state });
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: clientId });
    const answers = await Promise.all(Array.from({ length: 8 }, () => tokenRequest(form)));
    const won = answers.filter((a) => a.status === 200);
    expect(won).toHaveLength(1);
    for (const a of answers.filter((x) => x.status !== 200)) expect(a).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    expect((await client(s.server.url, won[0]!.body.access_token as string).get('/findings')).status).toBe(401);
    expect((await client(s.server.url, tokens.access_token).get('/findings')).status).toBe(401);
    expect((await tokenRequest(new URLSearchParams({ ...Object.fromEntries(form), refresh_token: won[0]!.body.refresh_token as string }))).status).toBe(400);
  });

  it('refuses a redirect URI that is not registered exactly, without redirecting to it', async () => {
    const { url } = await start('findings:read');
    url.searchParams.set('redirect_uri', 'http://127.0.0.1:9/callback/evil');
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect((await res.json()).error).toBe('invalid_redirect_uri');
  });

  it('refuses a public client without PKCE, and the plain method', async () => {
    const url = oidc.buildAuthorizationUrl(config, { redirect_uri: REDIRECT, scope: 'findings:read', state: 'x' });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(new URL(res.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
    url.searchParams.set('code_challenge', 'a'.repeat(43));
    url.searchParams.set('code_challenge_method', 'plain');
    const plain = await fetch(url, { redirect: 'manual' });
    expect(new URL(plain.headers.get('location')!).searchParams.get('error')).toBe('invalid_request');
  });

  it('refuses a scope beyond the user\'s role with invalid_scope, and Deny with access_denied', async () => {
    const { url } = await start('admin');
    const { page, callback } = await browserFor(user);
    await page.goto(url.href);
    await expect.poll(() => page.getByText('your role does not permit this').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Allow' }).isDisabled()).toBe(true);
    const back = callback();
    await page.getByRole('button', { name: 'Deny' }).click();
    expect((await back).searchParams.get('error')).toBe('access_denied');
    // The API refuses the same consent for a scope the role lacks.
    const second = await start('admin');
    const { page: p2 } = await browserFor(user);
    await p2.goto(second.url.href);
    await expect.poll(() => p2.url()).toContain('/oauth/consent/');
    const uid = p2.url().split('/oauth/consent/')[1]!;
    const csrf = (await p2.context().cookies()).find((c) => c.name.endsWith('neuro_csrf'))!.value;
    const res = await p2.context().request.post(`/api/v1/auth/oauth2/interaction/${uid}/confirm`, { headers: { 'x-csrf-token': csrf, origin: s.server.origin } });
    expect(res.status(), await res.text()).toBe(200);
    const to = (await res.json()).data.redirect_to as string;
    const resumed = await p2.context().request.get(to, { maxRedirects: 0 });
    expect(new URL(resumed.headers().location!).searchParams.get('error')).toBe('invalid_scope');
  });

  it('sends someone not signed in to sign-in and back to the consent screen', async () => {
    const { url } = await start('findings:read');
    const context = await browser.newContext({ baseURL: s.server.origin });
    contexts.push(context);
    const page = await newPage(context);
    await page.goto(url.href);
    await expect.poll(() => page.url()).toContain('/sign-in?next=');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('heading', { name: 'Allow Report Assistant?' }).isVisible()).toBe(true);
  });

  it('disconnecting an app in connected apps revokes its tokens; admins see and revoke every grant, others get 404', async () => {
    const { callbackUrl, verifier, state } = await consent('findings:read');
    const t = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state });
    const session = client(s.server.url, (await s.server.login(s.tenant, user)).access_token);
    const mine = (await session.get('/user/oauth2/grants')).body.data as { id: string }[];
    const all = await s.api.get('/oauth2/grants');
    expect(all.status).toBe(200);
    // Compact JSON, as test/platform/compact-json.test.ts checks for the other lists.
    expect(all.text).toBe(JSON.stringify(JSON.parse(all.text)));
    expect(all.body.data.map((g: { id: string }) => g.id)).toEqual(expect.arrayContaining(mine.map((g) => g.id)));
    expect(all.body.data[0].user).toMatchObject({ id: user.id, email: user.email });
    const stranger = await s.server.createUser(s.tenant, { role: 'admin' });
    const strangerSession = client(s.server.url, (await s.server.login(s.tenant, stranger)).access_token);
    expect((await strangerSession.del(`/user/oauth2/grants/${mine[0]!.id}`)).status).toBe(404);
    const foreign = await s.server.createTenant();
    expect((await client(s.server.url, foreign.token).del(`/oauth2/grants/${mine[0]!.id}`)).status).toBe(404);
    expect((await session.del(`/user/oauth2/grants/${mine[0]!.id}`)).status).toBe(204);
    expect((await client(s.server.url, t.access_token).get('/findings')).status).toBe(401);
    await expect(oidc.refreshTokenGrant(config, t.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    // The rest through the admin API.
    for (const g of (await s.api.get('/oauth2/grants')).body.data as { id: string }[]) expect((await s.api.del(`/oauth2/grants/${g.id}`)).status).toBe(204);
    expect((await s.api.get('/oauth2/grants')).body.meta.total).toBe(0);
  });

  it('Settings → Connected apps lists the app and Disconnect revokes its tokens', async () => {
    const { page, callbackUrl, verifier, state } = await consent('findings:read projects:read');
    const t = await oidc.authorizationCodeGrant(config, callbackUrl, { pkceCodeVerifier: verifier, expectedState: state });
    await page.goto('/settings/connected-apps');
    await expect.poll(() => page.getByRole('heading', { name: 'Your connected apps' }).isVisible()).toBe(true);
    const row = page.getByRole('row', { name: /Report Assistant/ });
    await expect.poll(() => row.isVisible()).toBe(true);
    expect(await row.getByText('projects:read').isVisible()).toBe(true);
    // A tester is no admin: the workspace-wide list is not shown.
    expect(await page.getByRole('heading', { name: 'All connected apps in this workspace' }).count()).toBe(0);
    await expectAccessible(page, 'connected apps');
    await screenshot(page, 'oauth-connected-apps');
    await row.getByRole('button', { name: 'Disconnect Report Assistant' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disconnect' }).click();
    await expect.poll(() => page.getByText('No connected apps').isVisible()).toBe(true);
    expect((await client(s.server.url, t.access_token).get('/findings')).status).toBe(401);
    expectClean(page);
  });
});
