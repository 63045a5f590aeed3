import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { setup, teardown, type Setup, type TestUser } from '../helpers/index.js';
import { expectAccessible, expectClean, launchBrowser, newPage, screenshot, signedIn } from './browser.js';

/**
 * The workspace screens in Chromium: clients, projects and their tabs, assets, the dashboard's
 * counts and activity, and a PDF report generated, watched and downloaded.
 */
let s: Setup;
let browser: Browser;
let user: TestUser;
let context: BrowserContext;
let page: Page;
let clientId: string;
let projectId: string;

beforeAll(async () => {
  [s, browser] = await Promise.all([setup(), launchBrowser()]);
  user = await s.server.createUser(s.tenant, { role: 'admin', name: 'Ada Admin' });
  context = await signedIn(browser, s.server, user);
  page = await newPage(context);
}, 120_000);
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await teardown(s);
});

const table = (name: string) => page.getByRole('table', { name });
/** A card of the page, by its heading. */
const card = (heading: string) => page.locator('section.card', { has: page.getByRole('heading', { name: heading, exact: true }) });
const firstCell = (name: string) => table(name).locator('tbody tr').first().locator('td').first();

describe('clients', () => {
  it('creates a client, showing the API\'s validation error inline first, then searches and sorts the list', async () => {
    await s.make.client({ name: 'Acme Industries' });
    await page.goto('/clients');
    await page.getByRole('heading', { name: 'Clients', level: 1 }).waitFor();
    await table('Clients').waitFor();
    await expectAccessible(page, 'clients list');

    await page.getByRole('button', { name: 'New client' }).click();
    const dialog = page.getByRole('dialog', { name: 'New client' });
    await dialog.getByRole('button', { name: 'Create client' }).click();
    // The empty name comes back from the API's details, under its field.
    await expect.poll(() => dialog.getByLabel('Name', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await dialog.locator('.field-error').first().textContent()).toBeTruthy();
    await expectAccessible(page, 'client form with an error');

    await dialog.getByLabel('Name', { exact: true }).fill('Globex Corporation');
    await dialog.getByLabel('Contact name', { exact: true }).fill('Hank Scorpio');
    await dialog.getByLabel('Contact email', { exact: true }).fill('hank@globex.test');
    await dialog.getByRole('button', { name: 'Create client' }).click();
    await page.waitForURL(/\/clients\/client_/);
    clientId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('heading', { name: 'Globex Corporation', level: 1 }).waitFor();
    await expect.poll(() => page.getByText('hank@globex.test').isVisible()).toBe(true);
    await expectAccessible(page, 'client detail');

    await page.goto('/clients');
    await page.getByRole('searchbox', { name: 'Search clients' }).fill('Globex');
    await page.waitForURL(/search=Globex/);
    await expect.poll(() => table('Clients').locator('tbody tr').count()).toBe(1);
    await expect.poll(() => firstCell('Clients').textContent()).toBe('Globex Corporation');

    await page.getByRole('searchbox', { name: 'Search clients' }).fill('');
    await expect.poll(() => table('Clients').locator('tbody tr').count()).toBe(2);
    await expect.poll(() => firstCell('Clients').textContent()).toBe('Acme Industries');
    await table('Clients').getByRole('button', { name: 'Name' }).click();
    await page.waitForURL(/order=desc/);
    await expect.poll(() => firstCell('Clients').textContent()).toBe('Globex Corporation');
    expect(await table('Clients').locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    expectClean(page);
  });
});

describe('projects', () => {
  it('creates a project for the client and opens each of its tabs', async () => {
    await page.goto('/projects');
    await page.getByRole('heading', { name: 'Projects', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'New project' }).click();
    const dialog = page.getByRole('dialog', { name: 'New project' });
    await dialog.getByLabel('Name', { exact: true }).fill('Globex External 2025');
    await expect.poll(() => dialog.getByLabel('Client', { exact: true }).locator('option').allTextContents()).toContain('Globex Corporation');
    await dialog.getByLabel('Client', { exact: true }).selectOption({ label: 'Globex Corporation' });
    await dialog.getByLabel('Status', { exact: true }).selectOption({ label: 'In progress' });
    await dialog.getByLabel('Start date', { exact: true }).fill('2025-03-10');
    await dialog.getByLabel('End date', { exact: true }).fill('2025-03-28');
    await dialog.getByLabel('Description', { exact: true }).fill('External penetration test of the Globex perimeter.');
    await dialog.getByLabel('Scope', { exact: true }).fill('*.globex.test\n203.0.113.0/24');
    await expectAccessible(page, 'project form');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/proj_/);
    projectId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('heading', { name: 'Globex External 2025', level: 1 }).waitFor();
    const project = (await s.api.get(`/projects/${projectId}`)).body.data;
    expect(project).toMatchObject({ client_id: clientId, status: 'in_progress', start_date: '2025-03-10', end_date: '2025-03-28' });
    await page.getByText('203.0.113.0/24').waitFor();
    await expectAccessible(page, 'project overview');

    const tabs = page.getByRole('navigation', { name: 'Project' });
    for (const [tab, path] of [['Findings', 'findings'], ['Assets', 'assets'], ['Reports', 'reports'], ['History', 'history']] as const) {
      await tabs.getByRole('link', { name: new RegExp(`^${tab}`) }).click();
      await page.waitForURL(new RegExp(`/projects/${projectId}/${path}$`));
      await expect.poll(() => tabs.getByRole('link', { name: new RegExp(`^${tab}`) }).getAttribute('aria-current')).toBe('page');
    }
    // History: the project's creation, by whom.
    await page.getByText('created this project').waitFor();
    await expect.poll(() => page.locator('.ws-feed-item').first().textContent()).toContain('Ada Admin');
    await expectAccessible(page, 'project history');
    await tabs.getByRole('link', { name: 'Overview' }).click();
    await page.waitForURL(new RegExp(`/projects/${projectId}$`));

    await page.goto('/projects?status=in_progress');
    await expect.poll(() => firstCell('Projects').textContent()).toBe('Globex External 2025');
    await expect.poll(() => table('Projects').locator('tbody tr').first().textContent()).toContain('Globex Corporation');
    await expectAccessible(page, 'projects list');
    expectClean(page);
  });

  it('adds an asset in the project\'s Assets tab and opens it with its findings', async () => {
    await page.goto(`/projects/${projectId}/assets`);
    await page.getByRole('button', { name: 'Add asset' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add asset' });
    await dialog.getByLabel('Type', { exact: true }).selectOption({ label: 'Host' });
    await dialog.getByLabel('Name or address', { exact: true }).fill('web01.globex.test');
    await dialog.getByLabel('Description', { exact: true }).fill('Public web server');
    await dialog.getByRole('button', { name: 'Add asset' }).click();
    await expect.poll(() => table('Assets of the project').locator('tbody tr').count()).toBe(1);
    await expect.poll(() => firstCell('Assets of the project').textContent()).toBe('web01.globex.test');
    await expectAccessible(page, 'project assets');

    const asset = (await s.api.get(`/assets?project_id=${projectId}`)).body.data[0];
    await s.make.finding(projectId, { title: 'Outdated TLS configuration', severity: 'Medium', asset_ids: [asset.id] });
    await table('Assets of the project').getByRole('link', { name: 'web01.globex.test' }).click();
    await page.waitForURL(/\/assets\/asset_/);
    await page.getByRole('heading', { name: 'web01.globex.test', level: 1 }).waitFor();
    await table('Findings affecting web01.globex.test').getByRole('link', { name: 'Outdated TLS configuration' }).waitFor();
    await expectAccessible(page, 'asset detail');
    expectClean(page);
  });
});

describe('dashboard', () => {
  it('shows open findings by severity and status, projects in progress, recent findings and activity', async () => {
    await s.make.finding(projectId, { title: 'SQL injection in login', severity: 'High' });
    await s.make.finding(projectId, { title: 'Stored XSS in comments', severity: 'High' });
    await s.make.finding(projectId, { title: 'Remote code execution', severity: 'Critical', status: 'Confirmed' });
    await s.make.finding(projectId, { title: 'Verbose banner', severity: 'Low', status: 'Remediated' });

    await page.goto('/');
    const bySeverity = page.getByRole('img', { name: /^Open findings by severity:/ });
    await bySeverity.waitFor();
    // The Medium finding of the asset test is open too.
    expect(await bySeverity.getAttribute('aria-label')).toBe('Open findings by severity: Critical 1, High 2, Medium 1, Low 0, Info 0');
    const byStatus = page.getByRole('img', { name: /^Findings by status:/ });
    expect(await byStatus.getAttribute('aria-label')).toBe('Findings by status: Open 3, Confirmed 1, Remediated 1, Verified 0, Accepted Risk 0, False Positive 0; 5 in all');
    // The numbers are also a table for screen readers.
    await expect.poll(() => page.getByRole('table', { name: 'Open findings by severity' }).locator('tbody tr').count()).toBe(5);
    await expect.poll(() => page.getByRole('link', { name: /Open findings\s*4/ }).count()).toBe(1);
    await page.getByRole('link', { name: /Critical and high\s*3/ }).waitFor();
    await page.getByRole('link', { name: /Projects in progress\s*1/ }).waitFor();

    const recent = card('Recently changed findings');
    await recent.getByRole('link', { name: 'Verbose banner' }).waitFor();
    const activity = card('Recent activity');
    await activity.getByRole('link', { name: 'Verbose banner' }).waitFor();
    await expect.poll(() => activity.textContent()).toContain('created finding');
    await card('Projects in progress').getByRole('link', { name: 'Globex External 2025' }).waitFor();
    await expectAccessible(page, 'dashboard');
    expectClean(page);
  });
});

describe('reports', () => {
  it('generates a PDF report, shows its progress until it completes, and downloads it', async () => {
    await page.goto(`/projects/${projectId}/reports`);
    await page.getByRole('button', { name: 'Generate report' }).click();
    const dialog = page.getByRole('dialog', { name: 'Generate report' });
    expect(await dialog.getByLabel('Format', { exact: true }).inputValue()).toBe('pdf');
    await expect.poll(() => dialog.getByLabel('Version', { exact: true }).getAttribute('placeholder')).toBe('1.0 (next)');
    // All severities, every status but False Positive.
    expect(await dialog.getByRole('checkbox', { name: 'False Positive' }).isChecked()).toBe(false);
    expect(await dialog.getByRole('checkbox', { name: 'Critical' }).isChecked()).toBe(true);
    await dialog.getByLabel('Title', { exact: true }).fill('Globex External Assessment');
    await dialog.getByLabel('Classification', { exact: true }).fill('Confidential');
    await expectAccessible(page, 'generate report form');
    await dialog.getByRole('button', { name: 'Generate' }).click();

    const reports = table('Reports of the project');
    await reports.getByText('Globex External Assessment').waitFor();
    const download = reports.getByRole('link', { name: /^Download / });
    await download.waitFor({ timeout: 120_000 });
    await expect.poll(() => reports.locator('tbody tr').first().textContent()).toContain('Completed');
    await expect.poll(() => reports.locator('tbody tr').first().textContent()).toContain('Ada Admin');
    const [file] = await Promise.all([page.waitForEvent('download'), download.click()]);
    expect(file.suggestedFilename()).toMatch(/\.pdf$/);
    const bytes = fs.readFileSync((await file.path())!);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('%PDF');
    await expectAccessible(page, 'project reports');

    await page.goto('/reports');
    await table('Reports').getByText('Globex External Assessment').waitFor();
    await expect.poll(() => table('Reports').locator('tbody tr').first().textContent()).toContain('Globex External 2025');
    await page.getByLabel('Format', { exact: true }).selectOption({ label: 'DOCX' });
    await page.waitForURL(/format=docx/);
    await page.getByText('No report matches these filters').waitFor();
    await page.getByRole('button', { name: 'Clear filters' }).click();
    await table('Reports').getByText('Globex External Assessment').waitFor();
    await expectAccessible(page, 'reports list');
    expectClean(page);
  }, 180_000);
});

describe('screenshots', () => {
  for (const theme of ['light', 'dark'] as const) {
    it(`shows the workspace screens in the ${theme} theme`, async () => {
      const ctx = await signedIn(browser, s.server, user, { colorScheme: theme });
      const p = await newPage(ctx);
      const shots: [string, string, () => Promise<unknown>][] = [
        ['dashboard', '/', () => p.getByRole('img', { name: /^Findings by status:/ }).waitFor()],
        ['clients', '/clients', () => p.getByRole('table', { name: 'Clients' }).waitFor()],
        ['projects', '/projects', () => p.getByRole('table', { name: 'Projects' }).waitFor()],
        ['project-overview', `/projects/${projectId}`, () => p.getByRole('img', { name: /^Open findings by severity:/ }).waitFor()],
        ['project-assets', `/projects/${projectId}/assets`, () => p.getByRole('table', { name: 'Assets of the project' }).waitFor()],
        ['project-history', `/projects/${projectId}/history`, () => p.getByText('created this project').waitFor()],
        ['reports', '/reports', () => p.getByRole('table', { name: 'Reports' }).waitFor()],
      ];
      for (const [name, url, ready] of shots) {
        await p.goto(url);
        await ready();
        await screenshot(p, name);
      }
      await p.goto(`/projects/${projectId}/reports`);
      await p.getByRole('button', { name: 'Generate report' }).click();
      await p.getByRole('dialog', { name: 'Generate report' }).getByLabel('Version', { exact: true }).waitFor();
      await screenshot(p, 'generate-report');
      await p.keyboard.press('Escape');
      await p.setViewportSize({ width: 820, height: 1180 });
      await p.goto('/');
      await p.getByRole('img', { name: /^Findings by status:/ }).waitFor();
      await screenshot(p, 'dashboard-tablet');
      await p.goto(`/projects/${projectId}/reports`);
      await p.getByRole('table', { name: 'Reports of the project' }).waitFor();
      await screenshot(p, 'project-reports-tablet');
      expectClean(p);
      await ctx.close();
    }, 60_000);
  }
});
