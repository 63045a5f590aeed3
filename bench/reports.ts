/**
 * `npm run bench:reports [-- --findings=500] [--db=postgres|pglite] [--formats=pdf,docx,…] [--rounds=3]`
 *
 * What a team waits for when it generates a report, and what the rest of the API feels meanwhile:
 *
 * 1. Per format, the renderer alone in a render process of its own (as the server runs it), on the
 *    sample engagement scaled to --findings findings with long Markdown bodies (code blocks,
 *    tables): the first render of a fresh process (cold: engine and fonts load) and the best of
 *    the next --rounds (warm), with the process's peak RSS.
 * 2. Through the real server (a child process on a fresh database, seeded with the same findings
 *    through the API): POST /reports until completed, per format; the server's and its render
 *    process's peak RSS; and GET /findings/{id} for random ids at 8 connections, p99 while a PDF of
 *    all the findings renders, as a ratio to the same load without a report (same run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { createScratchDatabase } from '../src/db/scratch.js';
import { generateToken } from '../src/server/lib/tokens.js';
import { sampleModel } from '../src/server/modules/reports/render/sample.js';
import { REPORT_FORMATS, type ReportFormat } from '../src/server/modules/reports/render/model.js';
import { flag, freePort, log, numberFlag, postgresUrl, ROOT, stopChild, waitUp } from './lib.js';

const FINDINGS = numberFlag('findings', 500);
const ROUNDS = numberFlag('rounds', 3);
const FORMATS = (flag('formats')?.split(',') ?? [...REPORT_FORMATS]) as ReportFormat[];
const TARGETS: Record<ReportFormat, number> = { pdf: 3, docx: 1.5, html: 0.5, markdown: 0.3, json: 0.3, csv: 0.3 };
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');

// ---- 1. The renderers alone

/** Runs in a child: renders one format --rounds+1 times, prints {cold, warm, rss, bytes}. */
async function renderChild(format: ReportFormat) {
  const { rendererFor } = await import('../src/server/modules/reports/render/renderers.js');
  const model = sampleModel({ findings: FINDINGS, format });
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i <= ROUNDS; i++) {
    const t = performance.now();
    const render = await rendererFor(format);
    const out = await render({ model: structuredClone(model), assets: {} }, () => undefined);
    times.push((performance.now() - t) / 1000);
    bytes = out.length;
  }
  process.stdout.write(JSON.stringify({ cold: times[0], warm: Math.min(...times.slice(1)), rss: process.resourceUsage().maxRSS / 1024, bytes }));
}

function runChild(args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, [path.join(ROOT, 'bench/reports.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`render child exited ${code}`))));
  });
}

// ---- 2. Through the server

function peakRss(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** The render processes are the server's node children. */
function childPids(pid: number): number[] {
  try {
    return fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}


async function getLoad(base: string, token: string, ids: string[], seconds: number): Promise<{ p99: number; rps: number; errors: number }> {
  const result = await autocannon({
    url: base.replace(/\/api\/v1$/, ''),
    connections: 8,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ setupRequest: (req) => ({ ...req, path: `/api/v1/findings/${ids[Math.floor(Math.random() * ids.length)]}` }) }],
  });
  return { p99: result.latency.p99, rps: result.requests.average, errors: result.errors + result.non2xx };
}

async function throughServer() {
  const dbKind = flag('db') ?? ((await postgresUrl()) ? 'postgres' : 'pglite');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-bench-reports-'));
  const scratch = dbKind === 'postgres' ? await createScratchDatabase((await postgresUrl())!, 'neuro_bench') : undefined;
  const port = await freePort();
  const bootstrap = generateToken();
  let server: ChildProcess | undefined;
  try {
    server = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'src/server/main.ts')], {
      cwd: ROOT,
      env: {
        ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NEURO_DATA_DIR: dataDir, DATABASE_URL: scratch?.url ?? '',
        NEURO_BOOTSTRAP_TOKEN: bootstrap, NEURO_RATE_LIMIT_PER_MINUTE: '100000000', NEURO_RATE_LIMIT_PER_HOUR: '100000000',
        NEURO_REPORT_POLL_MS: '50', NEURO_READ_CACHE_MB: '0',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}/api/v1`;
    await waitUp(base);
    const headers = { authorization: `Bearer ${bootstrap}`, 'content-type': 'application/json' };
    const post = async (p: string, body: object) => {
      const r = await fetch(`${base}${p}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const j = (await r.json()) as { data: { id: string } };
      if (!r.ok) throw new Error(`${p}: ${r.status} ${JSON.stringify(j)}`);
      return j.data;
    };
    const sample = sampleModel({ findings: FINDINGS });
    const client = await post('/clients', { name: sample.client!.name });
    const project = await post('/projects', { name: sample.project.name, client_id: client.id, description: sample.project.description, scope: sample.project.scope });
    const ids: string[] = [];
    for (let i = 0; i < sample.findings.length; i += 25) {
      const batch = await Promise.all(sample.findings.slice(i, i + 25).map((f) => post('/findings', {
        project_id: project.id, title: f.title, severity: f.severity, status: f.status, cvss_vector: f.cvss_vector ?? undefined,
        cwe: f.cwe, cve: f.cve, description: f.description, impact: f.impact, steps_to_reproduce: f.steps_to_reproduce,
        remediation: f.remediation, references: f.references, tags: f.tags,
      })));
      ids.push(...batch.map((f) => f.id));
    }
    log(`   seeded ${ids.length} findings on ${dbKind}`);

    const generate = async (format: ReportFormat) => {
      const t = performance.now();
      const rep = await post('/reports', { project_id: project.id, format });
      for (;;) {
        const r = (await (await fetch(`${base}/reports/${rep.id}`, { headers })).json()) as { data: { status: string; error: string | null; size: number } };
        if (r.data.status === 'completed') return { seconds: (performance.now() - t) / 1000, size: r.data.size };
        if (r.data.status === 'failed') throw new Error(`${format} failed: ${r.data.error}`);
        await new Promise((res) => setTimeout(res, 25));
      }
    };
    const e2e: Record<string, { seconds: number; size: number }> = {};
    for (const format of FORMATS) {
      await generate(format); // the render process is warm from here on, as in a running server
      e2e[format] = await generate(format);
    }

    await getLoad(base, bootstrap, ids, 2); // warm-up
    const without = await getLoad(base, bootstrap, ids, 6);
    // The same load while PDFs of all the findings render back to back for the whole window.
    let rendering = true;
    const renders = (async () => {
      let n = 0;
      while (rendering) {
        await generate(FORMATS.includes('pdf') ? 'pdf' : FORMATS[0]!);
        n++;
      }
      return n;
    })();
    const during = await getLoad(base, bootstrap, ids, 6);
    rendering = false;
    const rendered = await renders;
    const serverRss = peakRss(server.pid!);
    const renderRss = Math.max(0, ...childPids(server.pid!).map(peakRss));
    return { dbKind, e2e, without, during, rendered, serverRss, renderRss };
  } finally {
    if (server) await stopChild(server);
    fs.rmSync(dataDir, { recursive: true, force: true });
    await scratch?.drop();
  }
}

async function main() {
  const child = flag('render-child');
  if (child) return renderChild(child as ReportFormat);

  log(`== renderers alone: ${FINDINGS} findings, ${ROUNDS} warm rounds`);
  const alone: Record<string, { cold: number; warm: number; rss: number; bytes: number }> = {};
  for (const format of FORMATS) {
    alone[format] = JSON.parse(await runChild([`--render-child=${format}`, `--findings=${FINDINGS}`, `--rounds=${ROUNDS}`]));
    log(`   ${format} done`);
  }
  log('== through the server');
  const s = await throughServer();

  const row = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  const f1 = (n: number) => n.toFixed(2);
  console.log(`\nReports, ${FINDINGS} findings with long Markdown bodies (${os.cpus().length} cores, Node ${process.version}, ${s.dbKind})\n`);
  console.log(row(['format', 'cold render s', 'warm render s', 'target s', 'POST → completed s', 'render RSS MB', 'file KB']));
  console.log(row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
  for (const format of FORMATS) {
    const a = alone[format]!;
    const e = s.e2e[format]!;
    const met = a.warm <= TARGETS[format] ? 'met' : 'MISSED';
    console.log(row([format, f1(a.cold), f1(a.warm), `≤ ${TARGETS[format]} (${met})`, f1(e.seconds), Math.round(a.rss), Math.round(e.size / 1024)]));
  }
  const ratio = s.during.p99 / Math.max(1, s.without.p99);
  console.log(`\nGET /findings/{id}, random ids, 8 connections, 6 s each (${s.rendered} PDFs rendered during the second):`);
  console.log(`  without a report: p99 ${s.without.p99} ms, ${Math.round(s.without.rps)} req/s, ${s.without.errors} errors`);
  console.log(`  while PDFs render: p99 ${s.during.p99} ms, ${Math.round(s.during.rps)} req/s, ${s.during.errors} errors`);
  console.log(`  "p99_ratio": ${ratio.toFixed(2)}   (target ≤ 1.5: ${ratio <= 1.5 ? 'met' : 'MISSED'})`);
  console.log(`  peak RSS: server ${Math.round(s.serverRss)} MB (target ≤ 400: ${s.serverRss <= 400 ? 'met' : 'MISSED'}), render process ${Math.round(s.renderRss)} MB`);
}

await main();
