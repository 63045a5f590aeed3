import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { setup, teardown, type Setup, type TestUser } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot, signedIn } from './browser.js';

/** The findings list and the finding editor in Chromium, against a real server. */
let s: Setup;
let browser: Browser;
let ada: TestUser;
let bob: TestUser;
let projectId: string;

beforeAll(async () => {
  [s, browser] = await Promise.all([setup(), launchBrowser()]);
  [ada, bob] = await Promise.all([
    s.server.createUser(s.tenant, { role: 'admin', name: 'Ada Admin' }),
    s.server.createUser(s.tenant, { role: 'admin', name: 'Bob Builder' }),
  ]);
  projectId = (await s.make.project({ name: 'Acme web app' })).id;
  await s.make.asset(projectId, { name: 'app.acme.test' });
  await s.make.asset(projectId, { name: 'api.acme.test' });
});
afterAll(async () => {
  await browser?.close();
  await teardown(s);
});

const open = async (user: TestUser, path: string, opts: { colorScheme?: 'light' | 'dark'; noStream?: boolean } = {}): Promise<[BrowserContext, Page]> => {
  const context = await signedIn(browser, s.server, user, { colorScheme: opts.colorScheme });
  // Without the live stream the editor learns of someone else's save only from the server's 409.
  if (opts.noStream) await context.route('**/api/v1/events/stream', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: '{"success":false,"error":{"code":"NOT_FOUND","message":"blocked by the test"}}' }));
  const page = await newPage(context);
  await page.goto(path);
  return [context, page];
};
const finding = async (id: string) => (await s.api.get(`/findings/${id}`)).body.data;
// A loaded CI machine answers slower than expect.poll's default second.
const poll = <T>(fn: () => T | Promise<T>) => expect.poll(fn, { timeout: 20_000, interval: 100 });
const metric = (page: Page, name: RegExp) => page.getByRole('radiogroup', { name });

describe('the finding editor', () => {
  it('creates a finding with a CVSS vector built by clicking in the calculator', async () => {
    const [context, page] = await open(ada, `/findings/new?project_id=${projectId}`);
    await page.getByLabel('Title').fill('SQL injection in search');
    await page.getByRole('button', { name: 'Open calculator' }).click();
    const choices: [RegExp, string][] = [
      [/^Attack Vector/, 'Network'], [/^Attack Complexity/, 'Low'], [/^Privileges Required/, 'None'], [/^User Interaction/, 'None'],
      [/^Scope/, 'Unchanged'], [/^Confidentiality/, 'High'], [/^Integrity/, 'High'], [/^Availability/, 'High'],
    ];
    for (const [group, value] of choices) await metric(page, group).getByRole('radio', { name: value }).check();
    await poll(() => page.getByTestId('cvss-score').textContent()).toBe('9.8');
    await expect.poll(() => page.getByTestId('cvss-band').textContent()).toBe('Critical');
    expect(await page.getByLabel('Severity').inputValue()).toBe('Critical');
    await page.getByRole('checkbox', { name: /app\.acme\.test/ }).check();
    await page.getByRole('button', { name: 'Create finding' }).click();
    await page.waitForURL(/\/findings\/find_/);
    const id = new URL(page.url()).pathname.split('/').pop()!;
    const f = await finding(id);
    expect(f).toMatchObject({ title: 'SQL injection in search', cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', cvss_score: 9.8, severity: 'Critical', project_id: projectId });
    expect(f.asset_ids).toHaveLength(1);

    // A pasted 4.0 vector is read back into the buttons, scored, and autosaved.
    await page.getByRole('button', { name: 'Open calculator' }).click();
    await page.getByLabel('Paste a vector').fill('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N');
    await page.getByRole('button', { name: 'Use vector' }).click();
    await poll(() => page.getByTestId('cvss-score').textContent()).toBe('6.9');
    expect(await metric(page, /^CVSS version/).getByRole('radio', { name: 'CVSS 4.0' }).isChecked()).toBe(true);
    await poll(async () => (await finding(id)).cvss_vector).toBe('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N');
    expect((await finding(id)).severity).toBe('Medium');
    expectClean(page);
    await context.close();
  });

  it('autosaves Markdown, shows Saved, and sanitises the preview', async () => {
    const f = await s.make.finding(projectId, { title: 'Stored XSS' });
    const [context, page] = await open(ada, `/findings/${f.id}`);
    await page.getByRole('radio', { name: 'Split' }).check();
    const description = page.getByRole('textbox', { name: 'Description' });
    await description.click();
    const evil = 'Payload <script>window.__xss = 1</script> and <img src=x onerror="window.__xss = 2"> **bold**';
    await description.fill(evil);
    const preview = page.getByRole('region', { name: 'Description preview' });
    await poll(() => preview.locator('strong').textContent()).toBe('bold');
    await expect.poll(() => preview.locator('script, img, [onerror]').count()).toBe(0);
    await expect.poll(() => preview.textContent()).toContain('<script>');
    expect(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss)).toBeUndefined();

    await poll(() => page.getByTestId('save-state').textContent()).toMatch(/^Saved/);
    expect((await finding(f.id)).description).toBe(evil);

    // Typing then leaving the field saves too; a reload shows what was saved.
    await page.getByRole('textbox', { name: 'Remediation' }).fill('Encode output.');
    await page.getByLabel('CWE').click();
    await poll(async () => (await finding(f.id)).remediation).toBe('Encode output.');
    await page.reload();
    await poll(() => page.getByRole('textbox', { name: 'Remediation' }).textContent()).toBe('Encode output.');
    expectClean(page);
    await context.close();
  });

  it('keeps the text and offers Retry when a save is refused', async () => {
    const f = await s.make.finding(projectId, { title: 'Weak CWE' });
    const [context, page] = await open(ada, `/findings/${f.id}`);
    await page.getByLabel('CWE').fill('not a cwe');
    await poll(() => page.getByTestId('save-state').textContent()).toMatch(/^Not saved: .*Retry/);
    expect(await page.getByLabel('CWE').inputValue()).toBe('not a cwe');
    await page.getByLabel('CWE').fill('CWE-79');
    await poll(async () => (await finding(f.id)).cwe).toBe('CWE-79');
    await poll(() => page.getByTestId('save-state').textContent()).toMatch(/^Saved/);
    expectClean(page);
    await context.close();
  });

  it('offers a choice when someone else saved the finding meanwhile (the 409 path), and keeps both changes', async () => {
    const f = await s.make.finding(projectId, { title: 'Open redirect', impact: 'Phishing' });
    const [context, page] = await open(bob, `/findings/${f.id}`, { noStream: true });
    await poll(() => page.getByLabel('Title').inputValue()).toBe('Open redirect');

    // Ada changes the title in her own browser.
    const [ctxA, pageA] = await open(ada, `/findings/${f.id}`);
    await pageA.getByLabel('Title').fill('Open redirect in login');
    await poll(async () => (await finding(f.id)).title).toBe('Open redirect in login');

    // Bob, still on the old version, writes the impact: the save is refused and he chooses.
    await page.getByRole('textbox', { name: 'Impact' }).fill('Phishing with a trusted link');
    const dialog = page.getByRole('dialog', { name: 'Someone else changed this finding' });
    await dialog.waitFor();
    await expect.poll(() => dialog.textContent()).toContain('Open redirect in login');
    await expectAccessible(page, 'conflict dialog');
    await dialog.getByRole('button', { name: 'Keep mine and overwrite' }).click();
    await poll(async () => (await finding(f.id)).impact).toBe('Phishing with a trusted link');
    expect((await finding(f.id)).title).toBe('Open redirect in login');
    expect(await page.getByLabel('Title').inputValue()).toBe('Open redirect in login');
    expectClean(page);

    // Field by field: Bob takes his own title over Ada's newer one.
    await s.api.put(`/findings/${f.id}`, { title: 'Open redirect (Ada)' });
    await page.getByLabel('Title').fill('Open redirect (Bob)');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Review field by field' }).click();
    await dialog.getByRole('radio', { name: 'Title: use your version' }).check();
    await dialog.getByRole('button', { name: 'Save these choices' }).click();
    await poll(async () => (await finding(f.id)).title).toBe('Open redirect (Bob)');
    await ctxA.close();
    await context.close();
  });

  it('shows a change by someone else live when the event stream is there', async () => {
    const probe = new AbortController();
    const res = await fetch(`${s.server.url}/events/stream`, { headers: { authorization: `Bearer ${s.tenant.token}` }, signal: probe.signal }).catch(() => undefined);
    probe.abort();
    if (!res || res.status === 404) {
      console.log('live stream not available: the live path is left to the 409 test');
      return;
    }
    const f = await s.make.finding(projectId, { title: 'Before the live change' });
    const [context, page] = await open(bob, `/findings/${f.id}`);
    await poll(() => page.getByLabel('Title').inputValue()).toBe('Before the live change');
    await s.api.put(`/findings/${f.id}`, { title: 'After the live change' });
    await poll(() => page.getByLabel('Title').inputValue()).toBe('After the live change');
    await context.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`is accessible with the calculator open (${theme})`, async () => {
      const f = await s.make.finding(projectId, {
        title: 'Reflected XSS in search', severity: 'High', cwe: 'CWE-79', cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:L/A:N',
        description: 'The `q` parameter is reflected **unencoded**:\n\n```\nGET /search?q=<svg onload=alert(1)>\n```',
        impact: 'An attacker can run script in a victim\'s session.', references: ['https://owasp.org/www-community/attacks/xss/'],
      });
      const [context, page] = await open(ada, `/findings/${f.id}`, { colorScheme: theme });
      await page.getByRole('radio', { name: 'Split' }).check();
      await page.getByRole('button', { name: 'Open calculator' }).click();
      await poll(() => page.getByTestId('cvss-score').textContent()).toBe('8.2');
      await expectAccessible(page, 'finding editor');
      await screenshot(page, 'finding-editor');
      expectClean(page);
      await context.close();
    });
  }
});

describe('the findings list', () => {
  let listProject: string;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    listProject = (await s.make.project({ name: 'Zebra portal' })).id;
    for (const [title, severity, status] of [
      ['Zebrafish injection alpha', 'High', 'Open'], ['Zebrafish injection beta', 'High', 'Confirmed'],
      ['Zebrafish injection gamma', 'Low', 'Open'], ['Zebrafish injection delta', 'Critical', 'Open'], ['Unrelated weak TLS', 'High', 'Open'],
    ] as const) ids[title] = (await s.make.finding(listProject, { title, severity, status, description: 'Details' })).id;
  });

  it('filters by severity, status and search, kept in the URL across a reload', async () => {
    const [context, page] = await open(ada, '/findings');
    await page.getByRole('group', { name: 'Severity' }).getByRole('button', { name: 'High' }).click();
    await page.getByRole('group', { name: 'Severity' }).getByRole('button', { name: 'Critical' }).click();
    await page.getByRole('group', { name: 'Status' }).getByRole('button', { name: 'Open' }).click();
    await page.getByRole('searchbox', { name: 'Search findings' }).fill('zebrafish');
    await page.waitForURL(/search=zebrafish/);
    const titles = () => page.locator('tbody tr .fl-title-link').allTextContents();
    // The URL changes before the search's page arrives; until then the previous filter's rows stay.
    await poll(async () => (await titles()).sort()).toEqual(['Zebrafish injection alpha', 'Zebrafish injection delta']);
    const url = new URL(page.url());
    expect(url.searchParams.get('severity')).toBe('Critical,High');
    expect(url.searchParams.get('status')).toBe('Open');

    await page.reload();
    await poll(async () => (await titles()).sort()).toEqual(['Zebrafish injection alpha', 'Zebrafish injection delta']);
    expect(await page.getByRole('searchbox', { name: 'Search findings' }).inputValue()).toBe('zebrafish');
    expect(await page.getByRole('group', { name: 'Severity' }).getByRole('button', { name: 'High' }).getAttribute('aria-pressed')).toBe('true');

    // Sorting by severity puts Critical first.
    await page.getByRole('button', { name: 'Severity', exact: true }).click();
    await poll(titles).toEqual(['Zebrafish injection delta', 'Zebrafish injection alpha']);
    expect(new URL(page.url()).searchParams.get('sort')).toBe('severity');
    expectClean(page);
    await context.close();
  });

  it('changes the status of 3 selected rows at once', async () => {
    const [context, page] = await open(ada, `/projects/${listProject}/findings?search=zebrafish`);
    await poll(() => page.locator('tbody tr').count()).toBe(4);
    const rows = page.locator('tbody tr');
    for (const i of [0, 1, 2]) await rows.nth(i).getByRole('checkbox', { name: 'Select row' }).check();
    const chosen = await Promise.all([0, 1, 2].map(async (i) => (await rows.nth(i).locator('.fl-title-link').getAttribute('href'))!.split('/').pop()!));
    const bulk = page.getByRole('region', { name: 'Bulk actions' });
    await expect.poll(() => bulk.textContent()).toContain('3 selected');
    await bulk.getByLabel('Set status to').selectOption('Remediated');
    await bulk.getByRole('button', { name: 'Apply to 3' }).click();
    await poll(async () => (await Promise.all(chosen.map(finding))).map((f) => f.status)).toEqual(['Remediated', 'Remediated', 'Remediated']);
    await poll(() => page.getByRole('status').filter({ hasText: '3 findings set to Remediated' }).count()).toBe(1);
    expectClean(page);
    await context.close();
  });

  it('is driven by the keyboard: / to search, j/k between rows, Enter opens, n for a new finding', async () => {
    const [context, page] = await open(ada, `/findings?project_id=${listProject}&sort=title&order=asc`);
    await poll(() => page.locator('tbody tr').count()).toBe(5);
    await page.keyboard.press('/');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Search findings');
    await page.locator('tbody tr').first().focus();
    await page.keyboard.press('j');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    await page.keyboard.press('Enter');
    // Sorted by title: Unrelated…, Zebrafish…alpha, …; the second row is alpha.
    await page.waitForURL(new RegExp(`/findings/${ids['Zebrafish injection alpha']}$`));
    await poll(() => page.getByLabel('Title').inputValue()).toBe('Zebrafish injection alpha');
    await page.goBack();
    await poll(() => page.locator('tbody tr').count()).toBe(5);
    await page.locator('h1').click();
    await page.keyboard.press('n');
    await page.waitForURL(new RegExp(`/findings/new\\?project_id=${listProject}`));
    expectClean(page);
    await context.close();
  });

  for (const theme of ['light', 'dark'] as const) {
    it(`is accessible and looks right (${theme})`, async () => {
      const [context, page] = await open(ada, `/findings?severity=High,Critical`, { colorScheme: theme });
      await poll(() => page.locator('tbody tr').count()).toBeGreaterThan(2);
      await page.locator('tbody tr').nth(1).getByRole('checkbox', { name: 'Select row' }).check();
      await expectAccessible(page, 'findings list');
      await screenshot(page, 'findings-list');
      const ctx2 = await signedIn(browser, s.server, ada, { colorScheme: theme, viewport: { width: 820, height: 1180 } });
      const p2 = await newPage(ctx2);
      await p2.goto(`/projects/${listProject}/findings`);
      await poll(() => p2.locator('tbody tr').count()).toBe(5);
      await screenshot(p2, 'findings-list-tablet');
      expectClean(page);
      expectClean(p2);
      await ctx2.close();
      await context.close();
    });
  }
});
