import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import * as oidc from 'openid-client';
import { client, setup, teardown, type Setup } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot, signedIn } from '../web/browser.js';

/** Settings → OAuth apps (admins) in Chromium: register an app, its secret shown once, delete it. */
let s: Setup;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [s, browser] = await Promise.all([setup(), launchBrowser()]);
}, 180_000);
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await teardown(s);
});

describe('Settings → OAuth apps', () => {
  it('registers a confidential app acting as a service account, shows its secret once, and deletes it', async () => {
    await s.api.post('/service-accounts', { name: 'Nightly import', role: 'tester' });
    const admin = await s.server.createUser(s.tenant, { role: 'admin' });
    const context = await signedIn(browser, s.server, admin);
    contexts.push(context);
    const page = await newPage(context);
    await page.goto('/settings/oauth-apps');
    await expect.poll(() => page.getByText('No OAuth apps yet').isVisible()).toBe(true);
    await page.getByRole('button', { name: 'Register app' }).first().click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('Scanner bridge');
    await expect.poll(() => dialog.getByRole('option', { name: /Nightly import/ }).count()).toBe(1);
    await dialog.getByLabel('Service account (client credentials)').selectOption({ label: 'Nightly import (tester)' });
    await expectAccessible(page, 'register oauth app');
    await dialog.getByRole('button', { name: 'Register app' }).click();
    const secretEl = dialog.getByLabel('Client secret');
    await secretEl.waitFor();
    const secret = (await secretEl.textContent())!.trim();
    const id = (await dialog.getByLabel('Client ID').textContent())!.trim();
    expect(secret).toMatch(/^nf_cs_/);
    await dialog.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row', { name: /Scanner bridge/ });
    await expect.poll(() => row.isVisible()).toBe(true);
    await screenshot(page, 'oauth-apps');

    const config = await oidc.discovery(new URL(`${s.server.origin}/api/v1/auth/oauth2`), id, secret, oidc.ClientSecretBasic(secret), { execute: [oidc.allowInsecureRequests], algorithm: 'oauth2' });
    const t = await oidc.clientCredentialsGrant(config, { scope: 'findings:read' });
    expect((await client(s.server.url, t.access_token).get('/findings')).status).toBe(200);

    await row.getByRole('button', { name: 'Delete Scanner bridge' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Delete app' }).click();
    await expect.poll(() => page.getByText('No OAuth apps yet').isVisible()).toBe(true);
    expect((await client(s.server.url, t.access_token).get('/findings')).status).toBe(401);
    expectClean(page);
  });
});
