import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { setup, teardown, type Setup, type TestUser } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot, signedIn } from './browser.js';

/** The web app as the server serves it: files, fallback, headers, and the shell in a real browser. */
let s: Setup;
let browser: Browser;
let user: TestUser;
const origin = () => new URL(s.server.url).origin;

beforeAll(async () => {
  [s, browser] = await Promise.all([setup(), launchBrowser()]);
  user = await s.server.createUser(s.tenant, { role: 'admin', name: 'Ada Admin' });
});
afterAll(async () => {
  await browser?.close();
  await teardown(s);
});

describe('serving the app', () => {
  it('answers / and any app path with index.html under a strict Content-Security-Policy', async () => {
    for (const p of ['/', '/findings?severity=High', '/projects/prj_x/findings']) {
      const res = await fetch(`${origin()}${p}`);
      expect(res.status, p).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/html/);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      const csp = res.headers.get('content-security-policy')!;
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(await res.text()).toContain('<div id="root">');
    }
  });

  it('serves hashed assets compressed and cached for good, and a missing one as 404', async () => {
    const html = await (await fetch(`${origin()}/`)).text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const res = await fetch(`${origin()}${asset}`, { headers: { 'accept-encoding': 'br, gzip' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${origin()}/assets/gone-123.js`)).status).toBe(404);
    expect((await fetch(`${origin()}/assets/..%2F..%2Fpackage.json`)).status).toBe(404);
  });

  it('leaves /api to the API: an unknown API path is the JSON 404 envelope, never the app', async () => {
    const res = await fetch(`${origin()}/api/v1/no-such-thing`);
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('NOT_FOUND');
  });
});

describe('the shell in Chromium', () => {
  it('sends a visitor without a session to sign-in, keeping where they were going', async () => {
    const context = await browser.newContext({ baseURL: origin() });
    const page = await newPage(context);
    await page.goto('/findings?severity=High');
    await page.waitForURL(/\/sign-in/);
    expect(decodeURIComponent(new URL(page.url()).search)).toContain('next=/findings?severity=High');
    expectClean(page);
    await context.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`shows the signed-in shell in the ${theme} theme, accessible and without console errors`, async () => {
      const context = await signedIn(browser, s.server, user, { colorScheme: theme });
      const page = await newPage(context);
      await page.goto('/');
      await expect.poll(() => page.getByRole('navigation', { name: 'Main' }).isVisible()).toBe(true);
      expect(await page.evaluate(() => document.documentElement.dataset.theme)).toBe(theme);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Findings' }).click();
      await page.waitForURL(/\/findings$/);
      await expectAccessible(page, 'shell');
      await screenshot(page, 'shell');
      expectClean(page);
      await context.close();
    });
  }
});
