import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestServer, TestUser } from '../helpers/index.js';

/**
 * The web app's end-to-end tests: Debian's Chromium (never a downloaded browser) driven by
 * playwright-core against a real server. Each page records console errors and CSP violations,
 * which `expectClean` turns into failures.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
export const SCREENSHOTS = path.resolve(import.meta.dirname, '../../test-results/screens');

export async function launchBrowser(): Promise<Browser> {
  // Fail, never skip: CI installs Debian's chromium (apt-get install -y chromium).
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

const problems = new WeakMap<Page, string[]>();

/** A page that remembers console errors and CSP violations. */
export async function newPage(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  const list: string[] = [];
  problems.set(page, list);
  page.on('console', (m) => {
    // A 4xx the app handles (a wrong password, a 409 it offers a choice for) is logged by Chromium as
    // a failed resource load; those are the app's business, not errors of the page.
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) list.push(m.text());
  });
  page.on('pageerror', (e) => list.push(`page error: ${e.message}`));
  return page;
}

export function expectClean(page: Page) {
  expect(problems.get(page) ?? []).toEqual([]);
}

/** A browser context signed in as `user` (the session cookies set by /auth/login, as the sign-in page does). */
export async function signedIn(browser: Browser, server: TestServer, user: Pick<TestUser, 'email' | 'password'>, opts: { colorScheme?: 'light' | 'dark'; viewport?: { width: number; height: number } } = {}) {
  const context = await browser.newContext({ baseURL: new URL(server.url).origin, colorScheme: opts.colorScheme ?? 'light', viewport: opts.viewport ?? { width: 1366, height: 900 } });
  const res = await context.request.post('/api/v1/auth/login', { data: { email: user.email, password: user.password, set_cookie: true } });
  expect(res.status(), await res.text()).toBe(200);
  return context;
}

const require = createRequire(import.meta.url);
const AXE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core on the page as it is now: no serious or critical violation. */
export async function expectAccessible(page: Page, what: string) {
  // Evaluated through the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), what).toEqual([]);
}

/** A screenshot of the page in test-results/screens/<name>-<theme>.png, to look at. */
export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const theme = await page.evaluate(() => document.documentElement.dataset.theme ?? 'light');
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-${theme}.png`), fullPage: true });
}
