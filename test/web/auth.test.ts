import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { client, setup, teardown, totpCode, type Setup, type TestUser } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot } from './browser.js';

/** The pages before the app: sign-in (with 2FA and lockout), invitation and reset links, first-run setup. */
let s: Setup;
let browser: Browser;
const origin = () => new URL(s.server.url).origin;
const contexts: { base: string; context: BrowserContext }[] = [];

async function fresh(colorScheme: 'light' | 'dark' = 'light', base = origin()) {
  const context = await browser.newContext({ baseURL: base, colorScheme, viewport: { width: 1366, height: 900 } });
  contexts.push({ base, context });
  return { context, page: await newPage(context) };
}

/** Closes the pages open on `other`'s server, then stops it (its open pages would hold its connections). */
async function teardownOther(other: Setup) {
  const port = `:${other.server.port}`;
  for (const c of contexts.filter((c) => c.base.endsWith(port))) await c.context.close().catch(() => {});
  await teardown(other);
}

async function signInForm(page: Page, user: Pick<TestUser, 'email' | 'password'>) {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password', { exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** The signed-in shell is showing (the user's name in the sidebar). */
async function expectShell(page: Page, name: string) {
  await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
  await expect.poll(() => page.locator('.user-name').textContent()).toBe(name);
}

beforeAll(async () => {
  [s, browser] = await Promise.all([setup(), launchBrowser()]);
});
afterAll(async () => {
  for (const c of contexts) await c.context.close().catch(() => {});
  await browser?.close();
  await teardown(s);
});

describe('sign in', () => {
  it('signs in through the form without 2FA and goes to ?next=', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'tester', name: 'Tess Tester' });
    const { page } = await fresh();
    await page.goto('/findings?severity=High');
    await page.waitForURL(/\/sign-in\?next=/);
    await expect.poll(() => page.getByRole('heading', { name: 'Sign in' }).isVisible()).toBe(true);
    await expectAccessible(page, 'sign-in');
    await signInForm(page, user);
    await page.waitForURL((u) => u.pathname === '/findings' && u.searchParams.get('severity') === 'High');
    await expectShell(page, 'Tess Tester');
    // Signed in already: the sign-in page goes to the app, and never to another origin.
    await page.goto('/sign-in?next=//evil.example.com/x');
    await page.waitForURL((u) => u.origin === origin() && u.pathname === '/');
    expectClean(page);
  });

  it('refuses a next that leaves the app', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'viewer' });
    for (const next of ['https://evil.example.com/', '//evil.example.com', '/\\evil.example.com', 'javascript:alert(1)']) {
      const { page, context } = await fresh();
      await page.goto(`/sign-in?next=${encodeURIComponent(next)}`);
      await signInForm(page, user);
      await page.waitForURL((u) => u.origin === origin() && u.pathname === '/');
      await context.close();
    }
  });

  it('shows the API’s message for a wrong password, and the fields keep what was typed', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'tester' });
    const { page } = await fresh();
    await page.goto('/sign-in');
    await signInForm(page, { email: user.email, password: 'not the password at all' });
    const alert = page.getByRole('alert');
    await expect.poll(() => alert.textContent()).toMatch(/Invalid email or password/);
    expect(await page.getByLabel('Email').inputValue()).toBe(user.email);
    await expectAccessible(page, 'sign-in with an error');
    expectClean(page);
  });

  it('asks for the authentication code when 2FA is on, or a recovery code', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'tester', name: 'Otto Two' });
    const api = client(s.server.url, (await s.server.login(s.tenant, user)).access_token);
    const { secret } = (await api.post('/user/2fa/setup')).body.data;
    const enabled = await api.post('/user/2fa/enable', { totp_code: totpCode(secret) });
    expect(enabled.status, enabled.text).toBe(200);
    const recovery: string[] = enabled.body.data.recovery_codes;
    // As if enabled long ago: the enabling code's step is not the last one used any more.
    await s.server.db.tenant(s.tenant.id, (q) => q.query('UPDATE users SET totp_last_step = totp_last_step - 10 WHERE id = $1', [user.id]));

    const { page } = await fresh('dark');
    await page.goto('/sign-in?next=/projects');
    await signInForm(page, user);
    const code = page.getByLabel('Authentication code');
    await code.waitFor();
    expect(await code.getAttribute('autocomplete')).toBe('one-time-code');
    expect(await code.getAttribute('inputmode')).toBe('numeric');
    await expectAccessible(page, 'sign-in code step');
    await screenshot(page, 'sign-in-code');
    await code.fill(totpCode(secret) === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/code is not valid/);
    await code.fill(totpCode(secret));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/projects$/);
    await expectShell(page, 'Otto Two');
    expectClean(page);

    const second = await fresh();
    await second.page.goto('/sign-in');
    await signInForm(second.page, user);
    await second.page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await second.page.getByLabel('Recovery code').fill(recovery[0]!);
    await second.page.getByRole('button', { name: 'Verify' }).click();
    await second.page.waitForURL((u) => u.pathname === '/');
    await expectShell(second.page, 'Otto Two');
    expectClean(second.page);
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`looks right in the ${theme} theme`, async () => {
      const { page } = await fresh(theme);
      await page.goto('/sign-in');
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await expectAccessible(page, `sign-in ${theme}`);
      await screenshot(page, 'sign-in');
      expectClean(page);
    });
  }
});

describe('sign-in lockout', () => {
  let locked: Setup;
  beforeAll(async () => {
    locked = await setup({ env: { NEURO_LOGIN_MAX_FAILURES: '2' } });
  });
  afterAll(() => teardownOther(locked));

  it('on 429 says the account is paused and when to retry, with a live countdown', async () => {
    const user = await locked.server.createUser(locked.tenant, { role: 'tester' });
    const { page } = await fresh('light', new URL(locked.server.url).origin);
    await page.goto('/sign-in');
    const lockout = page.getByText('Too many failed attempts.');
    for (let i = 0; i < 6 && !(await lockout.isVisible()); i++) {
      await signInForm(page, { email: user.email, password: `wrong password ${i}` });
      await expect.poll(async () => (await page.getByRole('alert').allTextContents()).join(' ')).toMatch(/Invalid email or password|Too many failed/);
    }
    await lockout.waitFor();
    const alert = (await page.getByRole('alert').allTextContents()).join(' ');
    expect(alert).toMatch(/try again in \d+ (minutes?|seconds) \(at /);
    const timer = page.getByRole('timer');
    const first = await timer.textContent();
    expect(first).toMatch(/^\d+:\d\d$/);
    await expect.poll(() => timer.textContent(), { timeout: 5000 }).not.toBe(first);
    expect(await page.getByRole('button', { name: 'Sign in' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'sign-in locked out');
    await screenshot(page, 'sign-in-locked');
    expectClean(page);
  });
});

describe('invitation and password reset links', () => {
  it('an invited user opens the link, sets a password and lands signed in', async () => {
    const created = await s.api.post('/users', { email: `ivy-${Date.now()}@example.com`, name: 'Ivy Invited', role: 'tester' });
    expect(created.status, created.text).toBe(201);
    const url = new URL(created.body.data.invitation.url as string);
    expect(url.pathname).toBe('/invite');
    expect(url.hash).toMatch(/^#token=/);

    const { page } = await fresh();
    await page.goto(url.pathname + url.hash);
    await expect.poll(() => page.getByRole('heading', { name: 'Welcome, Ivy Invited' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText(created.body.data.email).first().isVisible()).toBe(true);
    await expectAccessible(page, 'invitation');
    await screenshot(page, 'invite');
    // The API's strength rule, inline.
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Confirm password').fill('short');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await expect.poll(() => page.locator('.field-error').first().textContent()).toMatch(/at least 12 characters/);
    // A confirmation that differs is caught before asking the server.
    await page.getByLabel('Password', { exact: true }).fill('a long and unusual passphrase 42');
    await page.getByLabel('Confirm password').fill('a long and unusual passphrase 43');
    await expect.poll(() => page.getByText('The two passwords differ.').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Set password and sign in' }).isDisabled()).toBe(true);
    await page.getByLabel('Confirm password').fill('a long and unusual passphrase 42');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await expectShell(page, 'Ivy Invited');
    expectClean(page);

    // The link worked once.
    const again = await fresh();
    await again.page.goto(url.pathname + url.hash);
    await expect.poll(() => again.page.getByText('Ask your admin to send you a new invitation.').isVisible()).toBe(true);
    await expectAccessible(again.page, 'invitation used');
    expectClean(again.page);
  });

  it('a broken or missing token says so and what to do', async () => {
    const { page } = await fresh();
    await page.goto('/invite#token=nf_inv_not-a-real-token');
    await expect.poll(() => page.getByText(/This link is not valid/).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('Ask your admin to send you a new invitation.').isVisible()).toBe(true);
    await page.goto('/reset-password');
    await expect.poll(() => page.getByText(/the part after #token= is missing/).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('Ask your admin for a new password reset link.').isVisible()).toBe(true);
    expectClean(page);
  });

  it('a password reset link sets a new password, and the user is signed in with it', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'viewer', name: 'Rita Reset' });
    const link = await s.api.post(`/users/${user.id}/password-reset`);
    expect(link.status, link.text).toBe(201);
    const url = new URL(link.body.data.url as string);
    expect(url.pathname).toBe('/reset-password');
    const { page } = await fresh('dark');
    await page.goto(url.pathname + url.hash);
    await expect.poll(() => page.getByRole('heading', { name: 'Reset password' }).isVisible()).toBe(true);
    await expectAccessible(page, 'reset password');
    await screenshot(page, 'reset-password');
    await page.getByLabel('New password').fill('a brand new passphrase for rita');
    await page.getByLabel('Confirm password').fill('a brand new passphrase for rita');
    await page.getByRole('button', { name: 'Set new password' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await expectShell(page, 'Rita Reset');
    expect((await fetch(`${s.server.url}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }),
    })).status).toBe(401);
    expectClean(page);
  });
});

/** First-run setup: a tenant without users opens on the setup page (GET/POST /api/v1/setup). */
describe('first-run setup', () => {
  let fresh0: Setup;
  beforeAll(async () => {
    fresh0 = await setup(); // a tenant with its bootstrap token and no user yet
  });
  afterAll(() => teardownOther(fresh0));
  const tenantOrigin = () => `http://${fresh0.tenant.slug}.localhost:${fresh0.server.port}`;

  it('a tenant without users opens on setup; the first admin is created and signed in; then setup is closed', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const { page, context } = await fresh(theme, tenantOrigin());
      await page.goto('/');
      await page.waitForURL(/\/setup$/);
      await expect.poll(() => page.getByRole('heading', { name: 'Set up NEURO' }).isVisible()).toBe(true);
      await expect.poll(() => page.getByText(fresh0.tenant.slug).first().isVisible()).toBe(true);
      await expectAccessible(page, `setup ${theme}`);
      await screenshot(page, 'setup');
      if (theme === 'dark') await context.close();
    }
    const page = (await fresh('light', tenantOrigin())).page;
    await page.goto('/setup');
    await page.getByLabel('Name').fill('Ada First');
    await page.getByLabel('Email').fill('ada@example.com');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByLabel('Confirm password').fill('short');
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await expect.poll(() => page.locator('.field-error').first().textContent()).toMatch(/12 characters/);
    await page.getByLabel('Password', { exact: true }).fill('the first admin passphrase 1');
    await page.getByLabel('Confirm password').fill('the first admin passphrase 1');
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await page.waitForURL((u) => u.pathname === '/');
    await expectShell(page, 'Ada First');
    expectClean(page);

    const res = await fetch(`${fresh0.server.url}/setup`, {
      method: 'POST', headers: { 'content-type': 'application/json', host: `${fresh0.tenant.slug}.localhost` },
      body: JSON.stringify({ email: 'mallory@example.com', name: 'Mallory', password: 'another long passphrase 2' }),
    });
    expect([409, 401, 404]).toContain(res.status);
    const later = (await fresh('light', tenantOrigin())).page;
    await later.goto('/setup');
    await expect.poll(() => later.getByRole('heading', { name: 'NEURO is set up' }).isVisible()).toBe(true);
    expectClean(later);
  });
});
