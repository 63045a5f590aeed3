/**
 * Webhook overhead: `npx tsx bench/webhooks.ts [--db=postgres|pglite] [--duration=10] [--rounds=2] [--connections=32]`
 *
 * Starts the real server (child process) on a fresh database — PostgreSQL from DATABASE_URL, or
 * 127.0.0.1:5432 — and drives POST /findings with autocannon, alternately with no webhook and with
 * one active webhook subscribed to `*` whose loopback receiver records when each event arrives.
 * Prints the throughput ratio (target ≥ 0.85) and the delivery lag p50/p99/max (target p99 ≤ 1 s):
 * arrival time minus the event's timestamp, counted after the run until every event has arrived.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { generateToken } from '../src/server/lib/tokens.js';
import { createScratchDatabase } from '../src/db/scratch.js';
import { flag, freePort, log, numberFlag, ROOT, stopChild, waitUp } from './lib.js';

const DURATION = numberFlag('duration', 10);
const ROUNDS = numberFlag('rounds', 2);
const CONNECTIONS = numberFlag('connections', 32);

/** A fresh PostgreSQL database (dropped at the end), or undefined for PGlite. */
async function postgresUrl(): Promise<string | undefined> {
  if (flag('db') === 'pglite') return undefined;
  const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  try {
    const db = await createScratchDatabase(base, 'neuro_whbench');
    cleanups.push(db.drop);
    return db.url;
  } catch (err) {
    if (flag('db') === 'postgres') throw new Error(`cannot reach PostgreSQL at ${base}: ${(err as Error).message}`);
    return undefined;
  }
}

const cleanups: (() => Promise<void>)[] = [];

/**
 * The receiver runs in a process of its own (this file with --receiver), so that autocannon's
 * busy event loop does not delay it; it reports each event's arrival lag (ms) over IPC.
 */
function receiverMain() {
  let batch: [string, number][] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const payload = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; timestamp: string };
      batch.push([payload.id, now - Date.parse(payload.timestamp)]);
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => process.send!({ port: (server.address() as net.AddressInfo).port }));
  setInterval(() => {
    if (batch.length) process.send!({ lags: batch });
    batch = [];
  }, 50);
  process.on('disconnect', () => process.exit(0));
}

async function startReceiver() {
  const lags = new Map<string, number>();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'webhooks.ts'), '--receiver'], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  cleanups.push(async () => void child.kill('SIGTERM'));
  const port = await new Promise<number>((resolve) => {
    child.on('message', (m: { port?: number; lags?: [string, number][] }) => {
      if (m.port) resolve(m.port);
      for (const [id, lag] of m.lags ?? []) if (!lags.has(id)) lags.set(id, lag); // the first arrival counts
    });
  });
  return { url: `http://127.0.0.1:${port}/hook`, lags };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main() {
  const databaseUrl = await postgresUrl();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-whbench-'));
  cleanups.push(async () => fs.rmSync(dataDir, { recursive: true, force: true }));
  const port = await freePort();
  const token = generateToken();
  const base = `http://127.0.0.1:${port}/api/v1`;
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NEURO_DATA_DIR: dataDir,
      DATABASE_URL: databaseUrl ?? '', NEURO_SECRET: randomBytes(32).toString('hex'), NEURO_BOOTSTRAP_TENANT: 'bench',
      NEURO_BOOTSTRAP_TOKEN: token, NEURO_RATE_LIMIT_PER_MINUTE: '100000000', NEURO_RATE_LIMIT_PER_HOUR: '100000000',
      NEURO_WEBHOOK_ALLOW_PRIVATE: 'true',
    },
  });
  cleanups.unshift(() => stopChild(child));
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  await waitUp(base);
  const post = async (p: string, body: unknown) =>
    ((await (await fetch(`${base}${p}`, { method: 'POST', headers, body: JSON.stringify(body) })).json()) as { data: Record<string, string> }).data;
  const project = await post('/projects', { name: 'Webhook bench' });
  const receiver = await startReceiver();

  // CPU time of the server process (user + system, ms), to compare cost per write without the noise of a shared machine.
  const cpuMs = () => {
    const f = fs.readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100; // utime, stime in clock ticks (100 Hz)
  };
  const run = async (seconds: number) => {
    const result = await autocannon({
      url: `${base}/findings`, method: 'POST', connections: CONNECTIONS, duration: seconds, headers,
      body: JSON.stringify({ project_id: project.id, title: 'Bench finding', severity: 'Medium', description: 'Found by the webhook benchmark.' }),
    });
    const ok = result['2xx'];
    return { ok, rps: ok / seconds, errors: result.non2xx + result.errors, p99: result.latency.p99 };
  };

  log(`webhook bench on ${databaseUrl ? 'PostgreSQL' : 'PGlite'}: ${ROUNDS} round(s) of ${DURATION} s per case, ${CONNECTIONS} connections`);
  await run(3); // warm-up
  const without: number[] = [];
  const withHook: number[] = [];
  const cpuWithout: number[] = [];
  const cpuWith: number[] = [];
  let webhookId: string | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    if (webhookId) await fetch(`${base}/webhooks/${webhookId}`, { method: 'PUT', headers, body: JSON.stringify({ active: false }) });
    const cpuA = cpuMs();
    const a = await run(DURATION);
    cpuWithout.push((cpuMs() - cpuA) / a.ok);
    without.push(a.rps);
    log(`  no webhook:      ${a.rps.toFixed(0)} req/s (p99 ${a.p99} ms, ${a.errors} errors)`);
    if (webhookId) await fetch(`${base}/webhooks/${webhookId}`, { method: 'PUT', headers, body: JSON.stringify({ active: true }) });
    else webhookId = (await post('/webhooks', { url: receiver.url, events: ['*'] })).id;
    const before = receiver.lags.size;
    const cpuB = cpuMs();
    const b = await run(DURATION);
    const duringRun = receiver.lags.size - before;
    const drainStart = Date.now();
    withHook.push(b.rps);
    const expected = before + b.ok;
    const until = Date.now() + 120_000;
    while (receiver.lags.size < expected && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    cpuWith.push((cpuMs() - cpuB) / b.ok); // the deliveries included
    log(`  webhook on '*':  ${b.rps.toFixed(0)} req/s (p99 ${b.p99} ms, ${b.errors} errors), ${receiver.lags.size - before} delivered ` +
      `(${duringRun} during the run, the rest in ${((Date.now() - drainStart) / 1000).toFixed(1)} s after)`);
  }
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const lags = [...receiver.lags.values()].sort((x, y) => x - y);
  const ratio = sum(withHook) / sum(without);
  const summary = {
    database: databaseUrl ? 'postgres' : 'pglite',
    rps_without_webhook: Math.round(sum(without) / without.length),
    rps_with_webhook: Math.round(sum(withHook) / withHook.length),
    throughput_ratio: Number(ratio.toFixed(3)),
    server_cpu_ms_per_write: { without_webhook: Number((sum(cpuWithout) / cpuWithout.length).toFixed(3)), with_webhook: Number((sum(cpuWith) / cpuWith.length).toFixed(3)) },
    cpu_ratio: Number((sum(cpuWithout) / sum(cpuWith)).toFixed(3)),
    deliveries: lags.length,
    lag_ms: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags.at(-1) },
    targets: { ratio: ratio >= 0.85 ? 'met (≥ 0.85)' : 'missed (≥ 0.85)', lag_p99: percentile(lags, 99) <= 1000 ? 'met (≤ 1 s)' : 'missed (≤ 1 s)' },
  };
  console.log(JSON.stringify(summary, null, 2));
}

if (process.argv.includes('--receiver')) receiverMain();
else main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
  });
