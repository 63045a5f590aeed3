import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { startServer, type TestServer, type TestTenant, type TestUser } from '../helpers/index.js';

/**
 * Browser sign-in in a real browser (headless Chromium, the system's: no browser is downloaded).
 * PRODUCT.md "browser session": `__Host-` cookies with Secure on localhost (a secure context), the
 * same cookies without the prefix over plain HTTP to any other host — both must sign in.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--headless'];

let server: TestServer;
let tenant: TestTenant;
let user: TestUser;
let browser: Browser;

beforeAll(async () => {
  // Fail, never skip: CI must install Debian's chromium (apt-get install -y chromium).
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  server = await startServer();
  tenant = await server.createTenant();
  user = await server.createUser(tenant, { role: 'admin' });
}, 180_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe.each([
  ['127.0.0.1', '', false],
  ['localhost', '__Host-', true],
] as const)('signing in from Chromium over http://%s', (host, prefix, secure) => {
  it(`keeps the ${prefix || 'unprefixed '}session cookies and sends them with reads and CSRF-checked writes`, async () => {
    const origin = `http://${host}:${server.port}`;
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      expect((await page.goto(`${origin}/api/v1/health`))!.status()).toBe(200);
      const login = await page.evaluate(async (creds) => {
        const res = await fetch('/api/v1/auth/login', {
          method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...creds, set_cookie: true }),
        });
        return { status: res.status, csrf: res.headers.get('x-csrf-token') };
      }, { email: user.email, password: user.password });
      expect(login.status).toBe(200);

      const cookies = await context.cookies(origin);
      expect(cookies.map((c) => c.name).sort()).toEqual([`${prefix}neuro_csrf`, `${prefix}neuro_refresh`, `${prefix}neuro_session`]);
      for (const c of cookies) {
        expect(c.secure, c.name).toBe(secure);
        expect(c.sameSite, c.name).toBe('Lax');
        expect(c.path, c.name).toBe('/');
      }
      expect(cookies.find((c) => c.name === `${prefix}neuro_session`)!.httpOnly).toBe(true);

      const after = await page.evaluate(async (csrfName) => {
        const me = await fetch('/api/v1/user');
        // The page reads the CSRF token from its cookie, as the web app does.
        const csrf = decodeURIComponent(document.cookie.split('; ').find((c) => c.startsWith(`${csrfName}=`))?.split('=')[1] ?? '');
        const post = (headers: Record<string, string>) =>
          fetch('/api/v1/projects', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: 'From Chromium' }) });
        const without = await post({});
        const withToken = await post({ 'x-csrf-token': csrf });
        return {
          me: me.status, user: ((await me.json()) as { data: { id: string } }).data.id, csrf,
          without: without.status, with: withToken.status, project: ((await withToken.json()) as { data?: { name: string } }).data?.name,
        };
      }, `${prefix}neuro_csrf`);
      expect(after.me).toBe(200);
      expect(after.user).toBe(user.id);
      expect(after.csrf).toBe(login.csrf);
      expect(after.without).toBe(403);
      expect(after.with).toBe(201);
      expect(after.project).toBe('From Chromium');

      const out = await page.evaluate(async (csrf) => (await fetch('/api/v1/auth/logout', { method: 'POST', headers: { 'x-csrf-token': csrf } })).status, after.csrf);
      expect(out).toBe(204);
      expect(await context.cookies(origin)).toEqual([]);
      expect(await page.evaluate(async () => (await fetch('/api/v1/user')).status)).toBe(401);
    } finally {
      await context.close();
    }
  }, 60_000);
});
