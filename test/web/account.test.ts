import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { client, setup, teardown, totpCode, type Setup } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot, signedIn } from './browser.js';

/** Settings → Profile (name, password, 2FA, sessions) and Settings → API Access (tokens) in Chromium. */
let s: Setup;
let browser: Browser;
const contexts: BrowserContext[] = [];

async function open(user: { email: string; password: string }, path: string, colorScheme: 'light' | 'dark' = 'light', viewport?: { width: number; height: number }) {
  const context = await signedIn(browser, s.server, user, { colorScheme, viewport });
  contexts.push(context);
  const page = await newPage(context);
  await page.goto(path);
  return { context, page };
}

const bearer = (token: string, path: string, init: RequestInit = {}) =>
  fetch(`${s.server.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });

beforeAll(async () => {
  [s, browser] = await Promise.all([setup(), launchBrowser()]);
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await teardown(s);
});

describe('Settings → API Access', () => {
  it('creates a token with the CI/CD preset, which works against the API until it is revoked in the UI', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'tester', name: 'Cid Pipeline' });
    const project = await s.make.project();
    const { page } = await open(user, '/settings/api-access');
    await expect.poll(() => page.getByRole('heading', { name: 'API tokens' }).isVisible()).toBe(true);
    await expect.poll(() => page.getByText('No API tokens yet').isVisible()).toBe(true);
    await expectAccessible(page, 'api access (empty)');

    await page.getByRole('button', { name: 'Create token', exact: true }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('GitLab CI import');
    await dialog.getByLabel('Expiration').selectOption({ label: '30 days' });
    await dialog.getByRole('button', { name: /CI\/CD automation/ }).click();
    expect(await dialog.getByRole('checkbox', { name: 'findings:write' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: 'assets:write' }).isChecked()).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: 'findings:read' }).isChecked()).toBe(false);
    // A tester's role holds no admin or users scopes: the form does not offer them.
    expect(await dialog.getByRole('checkbox', { name: 'admin' }).isDisabled()).toBe(true);
    expect(await dialog.getByRole('checkbox', { name: 'users:write' }).isDisabled()).toBe(true);
    await expectAccessible(page, 'create token dialog');
    await dialog.getByRole('button', { name: 'Create token' }).click();

    const secretEl = dialog.getByLabel('Token secret');
    await secretEl.waitFor();
    const secret = (await secretEl.textContent())!.trim();
    expect(secret).toMatch(/^nf_live_[0-9a-f]{48}$/);
    await expect.poll(() => dialog.getByText(/shown only this once/).isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Done' }).click();

    // The secret works: it is this user, and it may write findings but not read projects.
    const me = await bearer(secret, '/user');
    expect(me.status).toBe(200);
    expect((await me.json()).data.credential.scopes.sort()).toEqual(['assets:write', 'findings:write']);
    const f = await bearer(secret, '/findings', { method: 'POST', body: JSON.stringify({ project_id: project.id, title: 'From CI' }) });
    expect(f.status, await f.text()).toBe(201);
    expect((await bearer(secret, '/projects')).status).toBe(403);

    const row = page.getByRole('row', { name: /GitLab CI import/ });
    await row.waitFor();
    await expect.poll(() => row.textContent()).toMatch(/nf_live_/);
    expect(await row.textContent()).not.toContain(secret);
    await expect.poll(() => row.textContent()).toMatch(/findings:write/);
    await expectAccessible(page, 'api access (one token)');
    await screenshot(page, 'api-access');

    await row.getByRole('button', { name: 'Revoke GitLab CI import' }).click();
    const confirm = page.getByRole('dialog');
    await expect.poll(() => confirm.getByRole('heading', { name: /Revoke “GitLab CI import”\?/ }).isVisible()).toBe(true);
    await confirm.getByRole('button', { name: 'Revoke token' }).click();
    await expect.poll(() => page.getByText('No API tokens yet').isVisible()).toBe(true);
    await expect.poll(async () => (await bearer(secret, '/user')).status).toBe(401);
    expectClean(page);
  });

  it('a scope the role does not allow: the API’s refusal is shown', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'viewer' });
    const { page } = await open(user, '/settings/api-access');
    await page.getByRole('button', { name: 'Create token', exact: true }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Too much');
    await dialog.getByRole('button', { name: /Full access/ }).click();
    await expect.poll(() => dialog.getByText(/does not allow admin/).isVisible()).toBe(true);
    await dialog.getByRole('button', { name: 'Create token' }).click();
    await expect.poll(async () => (await dialog.getByRole('alert').allTextContents()).join(' ')).toMatch(/role|scope|permit/i);
    await expect.poll(() => dialog.getByLabel('Token secret').count()).toBe(0);
    expectClean(page);
  });

  it('MCP tokens have their own section and list', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'admin' });
    const { page } = await open(user, '/settings/api-access', 'dark');
    await page.getByRole('button', { name: 'Create MCP token' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Claude desktop');
    await dialog.getByRole('button', { name: /Read-only integration/ }).click();
    await dialog.getByRole('button', { name: 'Create token' }).click();
    const secret = (await dialog.getByLabel('Token secret').textContent())!.trim();
    await dialog.getByRole('button', { name: 'Done' }).click();
    const mcp = page.getByRole('region', { name: 'MCP tokens' });
    await mcp.getByRole('row', { name: /Claude desktop/ }).waitFor();
    await expect.poll(() => page.getByRole('region', { name: 'API tokens' }).getByText('No API tokens yet').isVisible()).toBe(true);
    expect((await bearer(secret, '/projects')).status).toBe(200);
    await expectAccessible(page, 'api access with an MCP token');
    await screenshot(page, 'api-access');
    expectClean(page);
  });

  it('works at tablet width', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'manager' });
    const { page } = await open(user, '/settings/api-access', 'light', { width: 820, height: 1180 });
    await page.getByRole('button', { name: 'Create token', exact: true }).first().click();
    await page.getByRole('dialog').getByLabel('Name').waitFor();
    await screenshot(page, 'api-access-dialog-tablet');
    expectClean(page);
  });
});

describe('Settings → Profile', () => {
  async function profile(page: Page) {
    await expect.poll(() => page.getByRole('heading', { name: 'Two-factor authentication' }).isVisible()).toBe(true);
  }

  it('changes the name, shown in the sidebar', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'viewer', name: 'Val Viewer' });
    const { page } = await open(user, '/settings/profile');
    await profile(page);
    await page.getByLabel('Name').fill('Valerie Viewer');
    await page.getByRole('button', { name: 'Save name' }).click();
    await expect.poll(() => page.locator('.user-name').textContent()).toBe('Valerie Viewer');
    expect((await s.api.get(`/users/${user.id}`)).body.data.name).toBe('Valerie Viewer');
    expectClean(page);
  });

  it('changes the password: a wrong current one is named, the right one works', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'tester' });
    const { page } = await open(user, '/settings/profile');
    await profile(page);
    await page.getByLabel('Current password').fill('not my password');
    await page.getByLabel('New password').fill('my new long passphrase 77');
    await page.getByLabel('Confirm password').fill('my new long passphrase 77');
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.locator('.field-error').first().textContent()).toMatch(/not correct/);
    await page.getByLabel('Current password').fill(user.password);
    await page.getByRole('button', { name: 'Change password' }).click();
    await expect.poll(() => page.getByText(/Password changed/).isVisible()).toBe(true);
    const login = await fetch(`${s.server.url}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: 'my new long passphrase 77' }),
    });
    expect(login.status).toBe(200);
    expectClean(page);
  });

  it('turns on 2FA with the QR code’s key, shows the recovery codes once, and sign-in then needs a code', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'tester', name: 'Tina Totp' });
    const { page } = await open(user, '/settings/profile');
    await profile(page);
    await expectAccessible(page, 'profile');
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
    const key = page.getByLabel('Setup key');
    await key.waitFor();
    const secret = (await key.textContent())!.trim();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const qr = page.getByRole('img', { name: /QR code/ });
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/svg\+xml/);
    expect(await qr.getAttribute('alt')).toContain(secret);
    await expectAccessible(page, 'profile 2FA setup');
    await screenshot(page, 'profile-2fa-setup');
    await page.getByLabel('Authentication code').fill(totpCode(secret));
    await page.getByRole('button', { name: 'Turn on' }).click();
    const codes = page.getByRole('list', { name: 'Recovery codes' });
    await codes.waitFor();
    await expect.poll(() => codes.getByRole('listitem').count()).toBe(10);
    const download = page.getByRole('link', { name: 'Download .txt' });
    expect(await download.getAttribute('download')).toBe('neuro-recovery-codes.txt');
    expect(await download.getAttribute('href')).toMatch(/^blob:/);
    await expectAccessible(page, 'profile recovery codes');
    await screenshot(page, 'profile-recovery-codes');
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Turn off two-factor authentication' }).isVisible()).toBe(true);
    await expect.poll(() => codes.count()).toBe(0);

    const login = await fetch(`${s.server.url}/auth/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: user.email, password: user.password }),
    });
    expect(login.status).toBe(401);
    expect((await login.json()).error.code).toBe('TOTP_REQUIRED');

    // Turning it off asks for the password and a code.
    await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Password').fill('wrong password here');
    await dialog.getByLabel('Authentication code').fill('123456');
    await dialog.getByRole('button', { name: 'Turn off' }).click();
    await expect.poll(async () => (await dialog.locator('.field-error').allTextContents()).join(' ')).toMatch(/not correct/);
    expectClean(page);
  });

  it('lists sessions with the current one marked, and signs out all the others', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'tester', name: 'Sam Sessions' });
    const others = [await s.server.login(s.tenant, user), await s.server.login(s.tenant, user)];
    const { page } = await open(user, '/settings/profile');
    const table = page.getByRole('table', { name: 'Your sessions' });
    await expect.poll(() => table.getByRole('row').count()).toBe(4); // header + 3
    await expect.poll(() => table.getByText('This session').count()).toBe(1);
    await expectAccessible(page, 'profile sessions');
    await screenshot(page, 'profile');
    await page.getByRole('button', { name: 'Sign out all other sessions' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Sign out others' }).click();
    await expect.poll(() => table.getByRole('row').count()).toBe(2);
    for (const o of others) await expect.poll(async () => (await client(s.server.url, o.access_token).get('/user')).status).toBe(401);
    expect((await fetch(`${s.server.url}/auth/refresh`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ refresh_token: others[0]!.refresh_token }),
    })).status).toBe(401);
    // This session still works.
    await page.reload();
    await expect.poll(() => table.getByText('This session').count()).toBe(1);
    expectClean(page);
  });

  it('looks right in the dark theme', async () => {
    const user = await s.server.createUser(s.tenant, { role: 'manager', name: 'Dana Dark' });
    await s.server.login(s.tenant, user);
    const { page } = await open(user, '/settings/profile', 'dark');
    await page.getByRole('table', { name: 'Your sessions' }).waitFor();
    await expect.poll(() => page.getByRole('table', { name: 'Your sessions' }).getByRole('row').count()).toBe(3);
    await expectAccessible(page, 'profile dark');
    await screenshot(page, 'profile');
    expectClean(page);
  });
});
