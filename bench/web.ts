/**
 * `npm run bench:web [-- --findings=1000] [--runs=10] [--db=postgres|pglite]`
 *
 * The web app as a tester meets it, in headless Chromium (Debian's, flags as in test/web/browser.ts)
 * against a real server (a child process on a fresh database: PostgreSQL when DATABASE_URL is set
 * or one answers on 127.0.0.1:5432, else the embedded one) with a project of --findings findings:
 *
 * a. First-load JavaScript: every .js response the browser loads for `/` signed in, each body
 *    gzipped (level 9, what a gzip-only client would get), summed; and that the finding editor's
 *    chunk (CodeMirror, the CVSS calculator) is not among them.
 * b. Time to an interactive findings list: from navigation start (performance.now() = 0) until
 *    the first page of rows is rendered and its first row can be focused and clicked, at
 *    /projects/:id/findings and /findings?project_id=… with random filters and sorts, each run in
 *    a fresh browser context (no cache); median and max.
 * c. Live change: user B has the finding open in the editor; user A saves a new title through the
 *    API; the time until B's editor shows it (needs GET /events/stream).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { createScratchDatabase } from '../src/db/scratch.js';
import { generateToken } from '../src/server/lib/tokens.js';
import { flag, freePort, log, numberFlag, postgresUrl, ROOT, stopChild, waitUp } from './lib.js';

const FINDINGS = numberFlag('findings', 1000);
const RUNS = numberFlag('runs', 10);
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'];
const TARGET_JS_KB = 250;
const TARGET_LIST_S = 1.5;
const TARGET_LIVE_S = 1;
const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Info'];
const STATUSES = ['Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive'];
const SORTS = ['created_at', 'updated_at', 'severity', 'cvss_score', 'title', 'status'];
const VECTORS = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N',
  'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', undefined,
];

const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
const someOf = (xs: readonly string[]) => xs.filter(() => Math.random() < 0.4);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  log('== building the web app (when its sources changed)');
  const build = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'scripts/build-web.ts'), '--if-stale'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (build.status !== 0) throw new Error('web build failed');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM_PATH`);

  const pgUrl = await postgresUrl();
  const dbKind = flag('db') ?? (pgUrl ? 'postgres' : 'pglite');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-bench-web-'));
  const scratch = dbKind === 'postgres' ? await createScratchDatabase(pgUrl!, 'neuro_bench') : undefined;
  const port = await freePort();
  const bootstrap = generateToken();
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  try {
    server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server/main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NEURO_DATA_DIR: dataDir, DATABASE_URL: scratch?.url ?? '',
        NEURO_BOOTSTRAP_TOKEN: bootstrap, NEURO_RATE_LIMIT_PER_MINUTE: '100000000', NEURO_RATE_LIMIT_PER_HOUR: '100000000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const origin = `http://127.0.0.1:${port}`;
    const base = `${origin}/api/v1`;
    await waitUp(base);
    const headers = { authorization: `Bearer ${bootstrap}`, 'content-type': 'application/json' };
    const call = async (method: string, p: string, body?: object) => {
      const r = await fetch(`${base}${p}`, { method, headers, body: body && JSON.stringify(body) });
      const j = (await r.json()) as { data: { id: string } };
      if (!r.ok) throw new Error(`${method} ${p}: ${r.status} ${JSON.stringify(j)}`);
      return j.data;
    };

    // Two testers and a 1,000-finding project.
    const users = [0, 1].map((i) => ({ email: `tester${i}@bench.example`, password: `bench-${generateToken().slice(8, 32)}`, name: `Tester ${i}` }));
    const ids = await Promise.all(users.map((u) => call('POST', '/users', { ...u, role: 'admin' })));
    const client = await call('POST', '/clients', { name: 'Bench client' });
    const project = await call('POST', '/projects', { name: 'Bench engagement', client_id: client.id });
    const findingIds: string[] = [];
    for (let i = 0; i < FINDINGS; i += 25) {
      const batch = await Promise.all(Array.from({ length: Math.min(25, FINDINGS - i) }, (_, j) => call('POST', '/findings', {
        project_id: project.id, title: `Finding ${i + j + 1}: ${pick(['SQL injection', 'Stored XSS', 'IDOR', 'SSRF', 'Weak TLS', 'Open redirect'])} in ${pick(['login', 'search', 'export', 'API'])}`,
        status: pick(STATUSES), ...(VECTORS[(i + j) % 4] ? { cvss_vector: VECTORS[(i + j) % 4] } : { severity: pick(SEVERITIES) }),
        description: 'The parameter is passed to the query unescaped. See the steps below.',
      })));
      findingIds.push(...batch.map((f) => f.id));
    }
    log(`   seeded ${findingIds.length} findings on ${dbKind}`);

    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    const signedIn = async (u: (typeof users)[number]): Promise<BrowserContext> => {
      const context = await browser!.newContext({ baseURL: origin, viewport: { width: 1366, height: 900 } });
      const res = await context.request.post('/api/v1/auth/login', { data: { email: u.email, password: u.password, set_cookie: true } });
      if (res.status() !== 200) throw new Error(`login: ${res.status()} ${await res.text()}`);
      return context;
    };

    // a. First-load JavaScript
    log('== first-load JavaScript');
    const ctxA = await signedIn(users[0]!);
    const page = await ctxA.newPage();
    const scripts: { url: string; raw: number; gzip: number }[] = [];
    const pending: Promise<void>[] = [];
    page.on('response', (r) => {
      if (!new URL(r.url()).pathname.endsWith('.js')) return;
      pending.push(r.body().then((b) => { scripts.push({ url: new URL(r.url()).pathname, raw: b.length, gzip: gzipSync(b, { level: 9 }).length }); }, () => {}));
    });
    await page.goto('/', { waitUntil: 'networkidle' });
    await Promise.all(pending);
    const jsKb = scripts.reduce((n, s) => n + s.gzip, 0) / 1024;
    const editorLoaded = scripts.filter((s) => /\/(editor|codemirror|cvss)[-.]/i.test(s.url));
    for (const s of scripts.sort((x, y) => y.gzip - x.gzip)) log(`   ${s.url}  ${(s.gzip / 1024).toFixed(1)} KB gzip (${(s.raw / 1024).toFixed(1)} KB)`);
    await page.close();

    // b. Time to an interactive findings list, fresh context each run
    log('== findings list, time to interactive');
    const listTimes: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      const q = new URLSearchParams();
      const sev = someOf(SEVERITIES);
      const st = someOf(STATUSES.slice(0, 3));
      if (sev.length) q.set('severity', sev.join(','));
      if (st.length) q.set('status', st.join(','));
      q.set('sort', pick(SORTS));
      q.set('order', pick(['asc', 'desc']));
      const url = run % 2 === 0 ? `/projects/${project.id}/findings?${q}` : `/findings?project_id=${project.id}&${q}`;
      const ctx = await signedIn(users[0]!);
      const p = await ctx.newPage();
      await p.goto(url, { waitUntil: 'commit' });
      // A string, not a function: tsx would wrap a named function in a helper the page lacks.
      const ms = await p.evaluate<number>(`new Promise((resolve) => {
        const check = () => {
          const row = document.querySelector('tbody tr');
          const link = row && row.querySelector('a');
          if (row && link && row.tabIndex >= 0 && link.getBoundingClientRect().height > 0) {
            row.focus();
            if (document.activeElement === row) return resolve(performance.now());
          }
          if (document.querySelector('.empty')) return resolve(performance.now());
          requestAnimationFrame(check);
        };
        check();
      })`);
      const rows = await p.locator('tbody tr').count();
      // Where the time went: each request's start and end since navigation start.
      const waterfall = await p.evaluate<string>(`performance.getEntriesByType('resource')
        .filter((e) => /\\/api\\/v1\\/(user|findings)\\b|\\.js$/.test(e.name))
        .map((e) => new URL(e.name).pathname.replace(/^.*\\//, '') + ' ' + Math.round(e.startTime) + '→' + Math.round(e.responseEnd))
        .join(', ')`);
      log(`   ${url}: ${ms.toFixed(0)} ms, ${rows} rows (${waterfall})`);
      listTimes.push(ms / 1000);
      await ctx.close();
    }

    // c. Live change latency
    log('== live change');
    const probe = new AbortController();
    const stream = await fetch(`${base}/events/stream`, { headers: { authorization: `Bearer ${bootstrap}` }, signal: probe.signal }).catch(() => undefined);
    probe.abort();
    let liveTimes: number[] | undefined;
    if (stream && stream.status !== 404) {
      liveTimes = [];
      const ctxB = await signedIn(users[1]!);
      const pb = await ctxB.newPage();
      const target = findingIds[0]!;
      await pb.goto(`/findings/${target}`);
      await pb.getByLabel('Title').waitFor();
      await pb.waitForFunction(() => document.querySelector('.live-dot.is-live'), undefined, { timeout: 15_000 }).catch(() => log('   (the live indicator never turned on)'));
      const tokenA = (await (await fetch(`${base}/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: users[0]!.email, password: users[0]!.password }) })).json()) as { access_token: string };
      for (let i = 0; i < 5; i++) {
        const title = `Live title ${i} ${Date.now()}`;
        const watch = pb.waitForFunction((t) => (document.querySelector('input.fe-title-input') as HTMLInputElement | null)?.value === t, title, { timeout: 10_000, polling: 'raf' });
        const t0 = performance.now();
        await fetch(`${base}/findings/${target}`, { method: 'PUT', headers: { authorization: `Bearer ${tokenA.access_token}`, 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
        const ok = await watch.then(() => true, () => false);
        const s = (performance.now() - t0) / 1000;
        log(`   change ${i + 1}: ${ok ? `${(s * 1000).toFixed(0)} ms` : 'not seen within 10 s'}`);
        liveTimes.push(ok ? s : Infinity);
      }
      await ctxB.close();
    }
    await ctxA.close();

    const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
    const met = (ok: boolean) => (ok ? 'met' : 'MISSED');
    console.log(`\nWeb app, ${FINDINGS} findings in one project (${os.cpus().length} cores, Node ${process.version}, ${dbKind}, headless Chromium)\n`);
    console.log(row(['measure', 'result', 'target', '']));
    console.log(row(['---', '---:', '---:', '---']));
    console.log(row(['first-load JS (gzip, sum of .js loaded for / signed in)', `${jsKb.toFixed(1)} KB in ${scripts.length} files`, `≤ ${TARGET_JS_KB} KB`, met(jsKb <= TARGET_JS_KB)]));
    console.log(row(['editor / calculator chunk in the first load', editorLoaded.length ? editorLoaded.map((s) => s.url).join(', ') : 'not loaded', 'not loaded', met(editorLoaded.length === 0)]));
    console.log(row([`findings list interactive, ${RUNS} runs, median`, `${median(listTimes).toFixed(2)} s`, `≤ ${TARGET_LIST_S} s`, met(median(listTimes) <= TARGET_LIST_S)]));
    console.log(row([`findings list interactive, ${RUNS} runs, max`, `${Math.max(...listTimes).toFixed(2)} s`, `≤ ${TARGET_LIST_S} s`, met(Math.max(...listTimes) <= TARGET_LIST_S)]));
    if (liveTimes) {
      console.log(row(['live change to the other browser, median of 5', `${median(liveTimes).toFixed(2)} s`, `≤ ${TARGET_LIVE_S} s`, met(median(liveTimes) <= TARGET_LIVE_S)]));
      console.log(row(['live change to the other browser, max of 5', `${Math.max(...liveTimes).toFixed(2)} s`, `≤ ${TARGET_LIVE_S} s`, met(Math.max(...liveTimes) <= TARGET_LIVE_S)]));
    } else {
      console.log(row(['live change to the other browser', 'live stream not available (GET /events/stream answers 404)', `≤ ${TARGET_LIVE_S} s`, '—']));
    }
    void ids;
  } finally {
    await browser?.close();
    if (server) await stopChild(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

await main();
