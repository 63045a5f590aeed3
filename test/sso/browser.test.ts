import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import { setup, teardown, type Setup } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot, signedIn } from '../web/browser.js';
import { startIdp, type TestIdp } from './idp.js';

/**
 * The whole thing in Chromium: an admin sets the provider up in Settings → Single sign-on, then
 * someone new clicks "Sign in with …", signs in and consents at the provider (oidc-provider's own
 * pages), and lands in the app signed in, where they were going.
 */
let s: Setup;
let idp: TestIdp;
let browser: Browser;
const contexts: BrowserContext[] = [];

/**
 * A context for a visitor. oidc-provider's development pages load a web font from the internet,
 * which this machine cannot reach: those requests get an empty answer, so that the console
 * errors the page check fails on are our pages' own.
 */
async function visitor() {
  const context = await browser.newContext({ baseURL: s.server.origin, viewport: { width: 1366, height: 900 } });
  contexts.push(context);
  await context.route((url) => url.hostname !== '127.0.0.1', (route) => route.fulfill({ status: 200, body: '' }));
  return context;
}

beforeAll(async () => {
  [s, browser] = await Promise.all([setup(), launchBrowser()]);
  idp = await startIdp([`${s.server.origin}/api/v1/auth/sso/callback`]);
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await idp?.close();
  await teardown(s);
});

describe('SSO in the browser', () => {
  it('an admin sets the provider up in Settings → Single sign-on', async () => {
    const admin = await s.server.createUser(s.tenant, { role: 'admin', name: 'Ada Admin' });
    const context = await signedIn(browser, s.server, admin);
    contexts.push(context);
    const page = await newPage(context);
    await page.goto('/settings/profile');
    await page.getByRole('link', { name: 'Single sign-on' }).click();
    await page.waitForURL(/\/settings\/single-sign-on$/);
    await expect.poll(() => page.getByTestId('redirect-uri').textContent()).toBe(`${s.server.origin}/api/v1/auth/sso/callback`);
    await page.getByLabel('Provider name').fill('Acme ID');
    await page.getByLabel('Issuer URL').fill('http://idp.example.com');
    await page.getByLabel('Client ID').fill(idp.clientId);
    await page.getByLabel('Client secret').fill(idp.clientSecret);
    await page.getByLabel('Allowed email domains').fill('acme.test');
    await page.getByLabel('Role of new accounts').selectOption('tester');
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    // http:// only for loopback: said under the field.
    await expect.poll(() => page.locator('.field-error').first().textContent()).toMatch(/must use https/);
    await page.getByLabel('Issuer URL').fill(idp.issuer);
    await page.getByRole('button', { name: 'Save single sign-on' }).click();
    await expect.poll(() => page.getByText(/Last saved/).isVisible()).toBe(true);
    await expect.poll(() => page.getByLabel('Client secret').getAttribute('placeholder')).toBe('••••••••');
    expect(await page.getByLabel('Client secret').inputValue()).toBe('');
    await expectAccessible(page, 'single sign-on settings');
    await screenshot(page, 'settings-sso');
    expectClean(page);
  });

  it('someone new signs in through the provider and lands where they were going', async () => {
    idp.accounts.set('zoe', { email: 'zoe@acme.test', email_verified: true, name: 'Zoe Zed' });
    const context = await visitor();
    const page = await newPage(context);
    await page.goto(`/projects?tenant=${s.tenant.slug}`);
    await page.waitForURL(/\/sign-in\?next=/);
    // On a host without a tenant part the page asks for the bootstrap tenant's provider; name ours.
    const next = new URL(page.url()).searchParams.get('next')!;
    await page.goto(`/sign-in?tenant=${s.tenant.slug}&next=${encodeURIComponent(next)}`);
    const button = page.getByRole('link', { name: 'Sign in with Acme ID' });
    await button.waitFor();
    await expectAccessible(page, 'sign-in with SSO');
    await screenshot(page, 'sign-in-sso');
    await button.click();
    // oidc-provider's development login page, then its consent page.
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('zoe');
    await page.locator('input[name="password"]').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.origin === s.server.origin && u.pathname === '/projects');
    await expect.poll(() => page.locator('.user-name').textContent()).toBe('Zoe Zed');
    const me = await context.request.get('/api/v1/user');
    expect((await me.json()).data).toMatchObject({ email: 'zoe@acme.test', role: 'tester' });
    expectClean(page);
  });

  it('someone of another domain comes back to the sign-in page with the reason', async () => {
    idp.accounts.set('oscar', { email: 'oscar@elsewhere.test', email_verified: true });
    const context = await visitor();
    const page = await newPage(context);
    await page.goto(`/sign-in?tenant=${s.tenant.slug}`);
    await page.getByRole('link', { name: 'Sign in with Acme ID' }).click();
    await page.waitForURL((u) => u.origin === idp.issuer);
    await page.locator('input[name="login"]').fill('oscar');
    await page.locator('input[name="password"]').fill('anything');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL((u) => u.origin === s.server.origin && u.pathname === '/sign-in');
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/domain is not allowed to sign in to this workspace/);
    // The button is still there to try another account.
    await page.getByRole('link', { name: 'Sign in with Acme ID' }).waitFor();
    await expectAccessible(page, 'sign-in with an SSO error');
    expectClean(page);
  });

  it('an admin removes it, and the sign-in page offers passwords only', async () => {
    const admin = await s.server.createUser(s.tenant, { role: 'admin', name: 'Abe Admin' });
    const context = await signedIn(browser, s.server, admin);
    contexts.push(context);
    const page = await newPage(context);
    await page.goto('/settings/single-sign-on');
    await page.getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => page.getByText(/Last saved/).count()).toBe(0);
    expect(await page.getByLabel('Provider name').inputValue()).toBe('');
    expectClean(page);

    const visit = await newPage(await visitor());
    await visit.goto(`/sign-in?tenant=${s.tenant.slug}`);
    await visit.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await visit.getByRole('link', { name: /Sign in with/ }).count()).toBe(0);
    expectClean(visit);
  });
});
