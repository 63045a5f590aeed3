import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { Webhook } from 'standardwebhooks';
import { setup, startReceiver, teardown, type Receiver, type Setup, type TestUser } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot, signedIn } from './browser.js';

/** The admin screens in Chromium: integrations, webhooks, users, audit log, report branding. */
let s: Setup;
let browser: Browser;
let admin: TestUser;
let receiver: Receiver;
const ids: { webhook?: string; account?: string } = {};

beforeAll(async () => {
  [s, browser, receiver] = await Promise.all([
    setup({
      env: {
        // The receiver listens on loopback, which webhooks refuse by default (SSRF guard).
        NEURO_WEBHOOK_ALLOW_PRIVATE: 'true',
        NEURO_WEBHOOK_POLL_MS: '50',
        // Small, so that the size-limit error can be shown with a small file.
        NEURO_REPORT_LOGO_MAX_KB: '2',
      },
    }),
    launchBrowser(),
    startReceiver(),
  ]);
  admin = await s.server.createUser(s.tenant, { role: 'admin', name: 'Ada Admin' });
});
afterAll(async () => {
  await browser?.close();
  await receiver?.close();
  await teardown(s);
});

async function open(path: string, ready: (page: Page) => Promise<unknown>, user: Pick<TestUser, 'email' | 'password'> = admin, theme: 'light' | 'dark' = 'light') {
  const context = await signedIn(browser, s.server, user, { colorScheme: theme });
  const page = await newPage(context);
  await page.goto(path);
  await ready(page);
  return { context, page };
}

const heading = (page: Page, name: string) => page.getByRole('heading', { level: 1, name }).waitFor();
const dialog = (page: Page) => page.getByRole('dialog');
/** expect.poll with room for a delivery round trip (its default gives up after a second). */
const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 20_000 });

/** A valid PNG of width×height black pixels (real chunks and CRCs); the padding makes it larger. */
function png(width = 1, height = 1, padding = 0): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * height);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)),
    ...(padding ? [chunk('tEXt', Buffer.concat([Buffer.from('Comment\0'), Buffer.alloc(padding, 0x61)]))] : []),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('Settings → Webhooks', () => {
  it('creates a webhook to a local receiver, shows its secret once, sends a test, logs it, and redelivers', async () => {
    const { context, page } = await open('/settings/webhooks', (p) => heading(p, 'Webhooks'));
    await page.getByText('No webhooks yet').waitFor();
    await expectAccessible(page, 'webhooks, empty');

    await page.getByRole('button', { name: 'Add webhook' }).click();
    const form = dialog(page);
    await form.getByLabel('Payload URL').fill(`${receiver.url}/ui`);
    await form.getByLabel('Description').fill('Chat notifier');
    await form.getByRole('group', { name: /Finding/ }).waitFor();
    await expectAccessible(page, 'webhook form');
    await form.getByLabel('All events').check();
    expect(await form.getByLabel('finding.created').isDisabled()).toBe(true);
    await form.getByRole('button', { name: 'Add webhook' }).click();

    const secret = (await form.getByLabel('Signing secret').textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await form.getByRole('button', { name: 'Done' }).click();
    await page.waitForURL(/webhook=wh_/);
    ids.webhook = new URL(page.url()).searchParams.get('webhook')!;
    expect((await s.api.get(`/webhooks/${ids.webhook}`)).body.data).toMatchObject({ url: `${receiver.url}/ui`, events: ['*'], active: true });

    // Send test: the receiver gets a signed webhook.test, and the log shows it delivered.
    await page.getByRole('button', { name: 'Send test' }).click();
    const [got] = await receiver.waitFor(1, '/ui');
    const payload = new Webhook(secret).verify(got!.body, got!.headers as Record<string, string>) as { event: string };
    expect(payload.event).toBe('webhook.test');
    const log = page.getByRole('table', { name: /Deliveries of/ });
    await log.getByText('Succeeded').waitFor();
    await poll(() => log.getByRole('row').nth(1).textContent()).toMatch(/webhook\.test.*Succeeded.*200/);
    await expectAccessible(page, 'webhook with its delivery log');

    // One delivery: the body sent and the answer; Redeliver sends it again with the same webhook-id.
    await log.getByRole('button', { name: /^Details of the webhook.test delivery/ }).click();
    const details = dialog(page);
    await poll(() => details.getByLabel('Request body').textContent()).toContain('"event": "webhook.test"');
    await expect.poll(() => details.getByLabel('Response body').textContent()).toBe('ok');
    await expectAccessible(page, 'delivery details');
    await details.getByRole('button', { name: 'Redeliver' }).click();
    const [, again] = await receiver.waitFor(2, '/ui');
    expect(again!.headers['webhook-id']).toBe(got!.headers['webhook-id']);
    await poll(async () => (await log.getByText('Succeeded').count())).toBe(2);
    const list = (await s.api.get(`/webhooks/${ids.webhook}/deliveries`)).body.data;
    expect(list).toHaveLength(2);
    expect(list[0].redelivery_of).toBe(list[1].id);
    expectClean(page);
    await context.close();
  });

  it('edits a webhook, rotates its secret after confirmation, and deletes one after confirmation', async () => {
    const extra = (await s.api.post('/webhooks', { url: `${receiver.url}/gone`, events: ['finding.created'] })).body.data;
    const { context, page } = await open(`/settings/webhooks?webhook=${extra.id}`, (p) => p.getByRole('button', { name: 'Send test' }).waitFor());
    await page.getByRole('button', { name: 'Edit' }).click();
    await dialog(page).getByLabel('finding.deleted').check();
    await dialog(page).getByRole('button', { name: 'Save' }).click();
    await poll(async () => (await s.api.get(`/webhooks/${extra.id}`)).body.data.events).toEqual(['finding.created', 'finding.deleted']);

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await dialog(page).getByRole('button', { name: 'Rotate secret' }).click();
    await expect.poll(() => dialog(page).getByLabel('Signing secret').textContent()).toMatch(/^whsec_/);
    await dialog(page).getByRole('button', { name: 'Done' }).click();

    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog(page).getByRole('button', { name: 'Cancel' }).click();
    expect((await s.api.get(`/webhooks/${extra.id}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog(page).getByRole('button', { name: 'Delete webhook' }).click();
    await poll(async () => (await s.api.get(`/webhooks/${extra.id}`)).status).toBe(404);
    expectClean(page);
    await context.close();
  });
});

describe('Settings → Users', () => {
  it('invites a user, whose link sets a password to sign in with', async () => {
    const { context, page } = await open('/settings/users', (p) => p.getByRole('table', { name: 'Users' }).waitFor());
    await expectAccessible(page, 'users');
    await page.getByRole('button', { name: 'Invite user' }).click();
    const form = dialog(page);
    await form.getByLabel('Email').fill('grace@example.com');
    await form.getByLabel('Name').fill('Grace Hopper');
    await form.getByLabel('Role').selectOption('tester');
    await form.getByRole('button', { name: 'Create invitation' }).click();
    const link = (await dialog(page).getByLabel('Invitation link').textContent())!;
    expect(link).toMatch(/\/invite#token=nf_inv_/);
    await poll(() => dialog(page).textContent()).toMatch(/Valid until/);
    await expectAccessible(page, 'invitation link');
    await dialog(page).getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row', { name: /Grace Hopper/ }).waitFor();

    // The invited user opens the link in a browser without a session and sets a password there.
    const fresh = await browser.newContext({ baseURL: new URL(s.server.url).origin });
    const visitor = await newPage(fresh);
    await visitor.goto(link);
    await poll(() => visitor.getByRole('heading', { name: 'Welcome, Grace Hopper' }).isVisible()).toBe(true);
    const password = 'a long new passphrase 42';
    await visitor.getByLabel('Password', { exact: true }).fill(password);
    await visitor.getByLabel('Confirm password').fill(password);
    await visitor.getByRole('button', { name: 'Set password and sign in' }).click();
    await visitor.waitForURL((u) => u.pathname === '/');
    expectClean(visitor);
    await fresh.close();
    const grace = await signedIn(browser, s.server, { email: 'grace@example.com', password });
    const me = await grace.request.get('/api/v1/user');
    expect((await me.json()).data).toMatchObject({ name: 'Grace Hopper', role: 'tester' });
    await grace.close();
    expectClean(page);
    await context.close();
  });

  it('searches, changes a role, refuses demoting yourself with the API\'s words, deactivates, and issues a reset link', async () => {
    const bob = await s.server.createUser(s.tenant, { role: 'tester', name: 'Bob Builder' });
    const carol = await s.server.createUser(s.tenant, { role: 'viewer', name: 'Carol Clerk' });
    const { context, page } = await open('/settings/users', (p) => p.getByRole('row', { name: /Bob Builder/ }).waitFor());
    const userId = async (email: string) => (await s.api.get(`/users?search=${encodeURIComponent(email)}`)).body.data[0];

    // Search and the role filter live in the URL.
    await page.getByLabel('Search').fill('Bob');
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/search=Bob/);
    await poll(() => page.getByRole('table', { name: 'Users' }).getByRole('row').count()).toBe(2);
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.waitForURL(/role=viewer/);
    await page.getByRole('row', { name: /Carol Clerk/ }).waitFor();
    await poll(() => page.getByRole('row', { name: /Bob Builder/ }).count()).toBe(0);
    await page.getByRole('button', { name: 'Clear filters' }).click();

    await page.getByLabel('Role of Bob Builder').selectOption('manager');
    await dialog(page).getByRole('button', { name: 'Change role' }).click();
    await poll(async () => (await userId(bob.email)).role).toBe('manager');
    await poll(() => page.getByLabel('Role of Bob Builder').inputValue()).toBe('manager');

    await page.getByLabel('Role of Ada Admin').selectOption('viewer');
    await dialog(page).getByRole('button', { name: 'Change role' }).click();
    await page.getByRole('alert').filter({ hasText: 'You cannot change your own role' }).waitFor();
    expect(await page.getByLabel('Role of Ada Admin').inputValue()).toBe('admin');
    expect((await userId(admin.email)).role).toBe('admin');

    await page.getByRole('button', { name: 'Deactivate Carol Clerk' }).click();
    await dialog(page).getByRole('button', { name: 'Cancel' }).click();
    expect((await userId(carol.email)).active).toBe(true);
    await page.getByRole('button', { name: 'Deactivate Carol Clerk' }).click();
    await dialog(page).getByRole('button', { name: 'Deactivate' }).click();
    await poll(async () => (await userId(carol.email)).active).toBe(false);
    await page.getByRole('button', { name: 'Reactivate Carol Clerk' }).waitFor();
    // Deactivated means signed out: the password no longer signs in.
    const login = await fetch(`${s.server.url}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: carol.email, password: carol.password }) });
    expect(login.status).toBe(401);

    await page.getByRole('button', { name: 'Password reset link for Bob Builder' }).click();
    await dialog(page).getByRole('button', { name: 'Create link' }).click();
    await expect.poll(() => dialog(page).getByLabel('Password reset link').textContent()).toMatch(/\/reset-password#token=nf_pwr_/);
    await dialog(page).getByRole('button', { name: 'Done' }).click();
    expectClean(page);
    await context.close();
  });
});

describe('Settings → Integrations', () => {
  it('creates a service account and a service token that works until it is revoked', async () => {
    const { context, page } = await open('/settings/integrations', (p) => p.getByRole('table', { name: 'Service accounts' }).waitFor());
    await expectAccessible(page, 'integrations');
    await page.getByRole('button', { name: 'New service account' }).click();
    await dialog(page).getByLabel('Name').fill('Scanner bot');
    await dialog(page).getByLabel('Description').fill('Nightly scans from the CI runner');
    await dialog(page).getByLabel('Role').selectOption('tester');
    await dialog(page).getByRole('button', { name: 'Create service account' }).click();
    await page.waitForURL(/account=sa_/);
    ids.account = new URL(page.url()).searchParams.get('account')!;
    expect((await s.api.get(`/service-accounts/${ids.account}`)).body.data).toMatchObject({ name: 'Scanner bot', role: 'tester', active: true });

    await page.getByRole('button', { name: 'Create Service Token' }).click();
    const form = dialog(page);
    await form.getByLabel('Token name').fill('GitLab CI');
    await form.getByLabel('Expiration').selectOption('30d');
    await form.getByRole('button', { name: 'CI/CD automation' }).click();
    expect(await form.getByLabel('findings:write').isChecked()).toBe(true);
    await form.getByLabel('findings:read').check();
    await expectAccessible(page, 'service token form');
    await form.getByRole('button', { name: 'Create token' }).click();
    const token = (await form.getByLabel('Service token').textContent())!;
    expect(token).toMatch(/^nf_live_[0-9a-f]{48}$/);
    await form.getByRole('button', { name: 'Done' }).click();

    const use = () => fetch(`${s.server.url}/findings`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    expect(await use()).toBe(200);
    const row = page.getByRole('row', { name: /GitLab CI/ });
    await poll(() => row.textContent()).toMatch(/findings:write/);
    await expectAccessible(page, 'service account with a token');

    await page.getByRole('button', { name: 'Revoke GitLab CI' }).click();
    await dialog(page).getByRole('button', { name: 'Revoke token' }).click();
    await poll(use).toBe(401);
    await page.getByText('No tokens yet').waitFor();
    expectClean(page);
    await context.close();
  });

  it('edits, deactivates and deletes a service account, each destructive step confirmed', async () => {
    const sa = (await s.api.post('/service-accounts', { name: 'Old importer', role: 'viewer' })).body.data;
    const { context, page } = await open(`/settings/integrations?account=${sa.id}`, (p) => p.getByRole('heading', { name: /Old importer/ }).waitFor());
    await page.getByRole('button', { name: 'Edit' }).click();
    await dialog(page).getByLabel('Role').selectOption('manager');
    await dialog(page).getByRole('button', { name: 'Save' }).click();
    await poll(async () => (await s.api.get(`/service-accounts/${sa.id}`)).body.data.role).toBe('manager');
    await page.getByRole('button', { name: 'Deactivate' }).click();
    await dialog(page).getByRole('button', { name: 'Deactivate' }).click();
    await poll(async () => (await s.api.get(`/service-accounts/${sa.id}`)).body.data.active).toBe(false);
    await page.getByRole('button', { name: 'Delete' }).click();
    await dialog(page).getByRole('button', { name: 'Delete service account' }).click();
    await poll(async () => (await s.api.get(`/service-accounts/${sa.id}`)).status).toBe(404);
    expectClean(page);
    await context.close();
  });
});

describe('Settings → Audit log', () => {
  it('filters by action, keeps the filter in the URL across a reload, and shows a change as before/after', async () => {
    const { context, page } = await open('/settings/audit-log', (p) => p.getByRole('table', { name: 'Audit log' }).waitFor());
    await expectAccessible(page, 'audit log');
    await page.getByLabel('Action').fill('user.role_changed');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action=user\.role_changed/);
    const rows = page.getByRole('table', { name: 'Audit log' }).locator('tbody tr');
    const actions = () => rows.locator('td:nth-child(3)').allTextContents();
    await poll(actions).toEqual(['user.role_changed']);

    await page.reload();
    await page.getByRole('table', { name: 'Audit log' }).waitFor();
    expect(await page.getByLabel('Action').inputValue()).toBe('user.role_changed');
    await poll(actions).toEqual(['user.role_changed']);
    await expect.poll(() => rows.first().textContent()).toContain('Ada Admin');

    await rows.first().click();
    const diff = dialog(page).getByRole('table', { name: 'Changed fields, before and after' });
    await expect.poll(() => diff.getByRole('row', { name: /role/ }).textContent()).toMatch(/role\s*tester\s*manager/);
    await expectAccessible(page, 'audit event details');
    await dialog(page).getByRole('button', { name: 'Close' }).click();

    // The object type filter too, and a date range that excludes everything.
    await page.getByLabel('Action').fill('');
    await page.getByLabel('Object type').selectOption('webhook');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL((u) => u.searchParams.get('object_type') === 'webhook' && !u.searchParams.has('action'));
    await poll(async () => (await rows.allTextContents()).every((t) => t.includes('webhook'))).toBe(true);
    await page.getByLabel('To', { exact: true }).fill('2001-01-01');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('Nothing matches these filters').waitFor();
    expectClean(page);
    await context.close();
  });
});

describe('Settings → Report branding', () => {
  it('uploads a PNG logo, saves the company and accent colour, and shows the API\'s size limit inline', async () => {
    const { context, page } = await open('/settings/branding', (p) => p.getByLabel('Company name').waitFor());
    await expectAccessible(page, 'branding');
    await page.getByLabel('Company name').fill('Acme Security');
    await page.getByLabel('Accent colour', { exact: true }).fill('#0f766e');
    await page.getByLabel('Default classification').fill('Confidential');
    await page.getByLabel('Footer text').fill('Acme Security GmbH');
    await page.getByLabel('Tagged PDF (for screen readers)').check();

    // Too large for this server (2 KB): the API's error beside the logo, nothing saved.
    await page.locator('#logo-file').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: png(1, 1, 4000) });
    await page.getByRole('img', { name: 'Logo preview' }).waitFor();
    await page.getByRole('button', { name: 'Save branding' }).click();
    await page.getByRole('alert').filter({ hasText: /at most 2 KB/ }).first().waitFor();
    expect((await s.api.get('/settings/report')).body.data.logo).toBeNull();

    await page.locator('#logo-file').setInputFiles({ name: 'logo.png', mimeType: 'image/png', buffer: png() });
    await expect.poll(() => page.getByRole('img', { name: 'Preview of the report cover' }).textContent()).toContain('Acme Security');
    await page.getByRole('button', { name: 'Save branding' }).click();
    await poll(async () => (await s.api.get('/settings/report')).body.data).toMatchObject({
      company_name: 'Acme Security', accent_color: '#0f766e', default_classification: 'Confidential', footer_text: 'Acme Security GmbH',
      tagged_pdf: true, logo: { content_type: 'image/png', size: png().length },
    });
    // The saved logo is shown from the server.
    await poll(() => page.getByRole('img', { name: 'Logo preview' }).evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBe(1);
    expect(await page.getByRole('img', { name: 'Logo preview' }).getAttribute('src')).toMatch(/^\/api\/v1\/settings\/report\/logo/);

    // A bad colour is caught before it is sent; removing the logo is saved as such.
    await page.getByLabel('Accent colour', { exact: true }).fill('#12345');
    expect(await page.getByRole('button', { name: 'Save branding' }).isDisabled()).toBe(true);
    await page.getByLabel('Accent colour', { exact: true }).fill('#0f766e');
    await page.getByRole('button', { name: 'Remove logo' }).click();
    await page.getByRole('button', { name: 'Save branding' }).click();
    await poll(async () => (await s.api.get('/settings/report')).body.data.logo).toBeNull();
    // Put it back for the screenshots.
    await s.api.put('/settings/report', { logo: { content_type: 'image/png', data: png(1, 1).toString('base64') } });
    expectClean(page);
    await context.close();
  });
});

describe('who may see the admin screens', () => {
  it('tells a non-admin they need the admin role, on every admin screen', async () => {
    const tester = await s.server.createUser(s.tenant, { role: 'tester', name: 'Tess Tester' });
    const context = await signedIn(browser, s.server, tester);
    const page = await newPage(context);
    for (const path of ['/settings/integrations', '/settings/webhooks', '/settings/users', '/settings/audit-log', '/settings/branding']) {
      await page.goto(path);
      await page.getByRole('heading', { name: 'You need the admin role' }).waitFor();
      // Nothing of the screen is asked for: no request the API would refuse.
      await expect.poll(() => page.getByRole('table').count()).toBe(0);
    }
    await expectAccessible(page, 'admin needed');
    await screenshot(page, 'admin-needed');
    expectClean(page);
    await context.close();
  });
});

describe('screenshots', () => {
  const screens: [string, string | (() => string), (p: Page) => Promise<unknown>][] = [
    ['admin-integrations', () => `/settings/integrations?account=${ids.account}`, (p) => p.getByRole('button', { name: 'Create Service Token' }).waitFor()],
    ['admin-webhooks', () => `/settings/webhooks?webhook=${ids.webhook}`, (p) => p.getByRole('table', { name: /Deliveries of/ }).waitFor()],
    ['admin-users', '/settings/users', (p) => p.getByRole('row', { name: /Grace Hopper/ }).waitFor()],
    ['admin-audit-log', '/settings/audit-log', (p) => p.getByRole('table', { name: 'Audit log' }).waitFor()],
    ['admin-branding', '/settings/branding', (p) => p.getByRole('img', { name: 'Logo preview' }).waitFor()],
  ];
  for (const theme of ['light', 'dark'] as const) {
    it(`shows each admin screen in the ${theme} theme, accessible`, async () => {
      let context: BrowserContext | undefined;
      for (const [name, path, ready] of screens) {
        ({ context } = await open(typeof path === 'string' ? path : path(), ready, admin, theme));
        const page = context.pages()[0]!;
        await expectAccessible(page, `${name} ${theme}`);
        await screenshot(page, name);
        expectClean(page);
        await context.close();
      }
      // Tablet width: the webhook form and the users table still fit.
      const tablet = await browser.newContext({ baseURL: new URL(s.server.url).origin, colorScheme: theme, viewport: { width: 820, height: 1180 } });
      await tablet.request.post('/api/v1/auth/login', { data: { email: admin.email, password: admin.password, set_cookie: true } });
      const page = await newPage(tablet);
      await page.goto('/settings/users');
      await page.getByRole('row', { name: /Grace Hopper/ }).waitFor();
      await screenshot(page, 'admin-users-tablet');
      await page.goto('/settings/webhooks');
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await dialog(page).getByRole('group', { name: /Finding/ }).waitFor();
      await screenshot(page, 'admin-webhook-form-tablet');
      expectClean(page);
      await tablet.close();
    });
  }
});
