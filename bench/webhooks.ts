/**
 * Webhook overhead: `npx tsx bench/webhooks.ts [--db=postgres|pglite] [--duration=10] [--rounds=2] [--connections=32]`
 *
 * Starts the real server (child process) on a fresh database — PostgreSQL from DATABASE_URL, or
 * 127.0.0.1:5432 — and drives POST /findings with autocannon, alternately with no webhook and with
 * one active webhook subscribed to `*` whose loopback receiver records when each event arrives.
 * Prints the throughput ratio (target ≥ 0.85) and the delivery lag p50/p99/max (target p99 ≤ 1 s):
 * arrival time minus the event's timestamp, counted after the run until every event has arrived.
 *
 * Each round also runs a third case, the ceiling (`--ceiling=false` skips it): no webhook, but a
 * process of its own sends one delivery per acknowledged write to the same receiver, with the
 * server's own sender and signing and the same body size, and nothing else — no database, no
 * queue. Its ratio is what a dispatcher that cost nothing but the HTTP exchange would reach on
 * this machine, where the receiver shares the CPU with the server and PostgreSQL.
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
import { createSender } from '../src/server/modules/webhooks/sender.js';
import { newSigningSecret, signer } from '../src/server/modules/webhooks/signing.js';
import { createScratchDatabase } from '../src/db/scratch.js';
import { flag, freePort, log, numberFlag, ROOT, stopChild, waitUp } from './lib.js';

const DURATION = numberFlag('duration', 10);
const ROUNDS = numberFlag('rounds', 2);
const CONNECTIONS = numberFlag('connections', 32);
/** How long to wait after a run for the last deliveries. */
const DRAIN_SECONDS = numberFlag('drain', 120);
/** Extra node options for the server, e.g. --server-args="--cpu-prof --cpu-prof-dir=/tmp/prof". */
const SERVER_NODE_ARGS = (flag('server-args') ?? '').split(' ').filter(Boolean);
const CEILING = flag('ceiling') !== 'false';
/** Ids of the ceiling case's deliveries start with this; they are not counted as events. */
const BARE = 'bare_';
/** As many attempts in flight as the dispatcher allows one webhook (NEURO_WEBHOOK_WINDOW). */
const WINDOW = 64;

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

/**
 * The ceiling case's sender (this file with --bare-sender): told over IPC how many writes were
 * acknowledged, it sends as many deliveries, up to WINDOW at a time, and reports how many it sent.
 */
function bareSenderMain() {
  const sender = createSender({ timeoutMs: 15_000, allowPrivate: true });
  const signed = signer([newSigningSecret()]);
  let url = '';
  let template = { tenant: '', data: '' };
  let queued = 0;
  let inFlight = 0;
  let sent = 0;
  let n = 0;
  const pump = () => {
    while (queued > 0 && inFlight < WINDOW) {
      queued--;
      inFlight++;
      const id = `${BARE}${(n++).toString().padStart(20, '0')}`;
      const body = `{"id":"${id}","event":"finding.created","timestamp":"${new Date().toISOString()}","tenant":"${template.tenant}","data":${template.data}}`;
      void sender.send(url, signed(id, body), body).then(() => {
        inFlight--;
        sent++;
        pump();
      });
    }
  };
  process.on('message', (m: { url?: string; tenant?: string; data?: string; writes?: number; report?: boolean }) => {
    if (m.url) {
      url = m.url;
      template = { tenant: m.tenant!, data: m.data! };
    }
    if (m.writes) {
      queued += m.writes;
      pump();
    }
    if (m.report) process.send!({ sent });
  });
  process.send!({ ready: true });
  process.on('disconnect', () => process.exit(0));
}

/** This file again, in a process of its own (`--receiver`, `--bare-sender`), talking over IPC. */
function spawnSelf(mode: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'webhooks.ts'), mode], {
    cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  cleanups.push(async () => void child.kill('SIGTERM'));
  return child;
}

async function startBareSender(url: string, tenant: string, data: string) {
  const child = spawnSelf('--bare-sender');
  await new Promise((resolve) => child.once('message', resolve));
  child.send({ url, tenant, data });
  const sent = () => new Promise<number>((resolve) => {
    child.once('message', (m: { sent: number }) => resolve(m.sent));
    child.send({ report: true });
  });
  return { pid: child.pid, writes: (n: number) => child.send({ writes: n }), sent };
}

async function startReceiver() {
  const lags = new Map<string, number>();
  const child = spawnSelf('--receiver');
  const port = await new Promise<number>((resolve) => {
    child.on('message', (m: { port?: number; lags?: [string, number][] }) => {
      if (m.port) resolve(m.port);
      for (const [id, lag] of m.lags ?? []) if (!lags.has(id) && !id.startsWith(BARE)) lags.set(id, lag); // the first arrival counts
    });
  });
  return { url: `http://127.0.0.1:${port}/hook`, lags, pid: child.pid };
}

const CPU_GROUPS = ['server', 'postgres', 'receiver', 'load'] as const;
type CpuGroup = (typeof CPU_GROUPS)[number];

/** The mean CPU ms per write of each group over the rounds, and their total. */
function meanCpu(rounds: Record<CpuGroup, number>[]) {
  const mean = (g: CpuGroup) => rounds.reduce((s, r) => s + r[g], 0) / rounds.length;
  const out: Record<string, number> = {};
  for (const g of CPU_GROUPS) out[g] = Number(mean(g).toFixed(3));
  out.total = Number(CPU_GROUPS.reduce((s, g) => s + mean(g), 0).toFixed(3));
  return out;
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
  const child: ChildProcess = spawn(process.execPath, [...SERVER_NODE_ARGS, '--import', 'tsx', 'src/server/main.ts'], {
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
  const finding = JSON.stringify({ project_id: project.id, title: 'Bench finding', severity: 'Medium', description: 'Found by the webhook benchmark.' });
  const receiver = await startReceiver();
  // The ceiling's deliveries carry a finding as the API returns it, as the real ones do.
  const sample = JSON.stringify(await post('/findings', JSON.parse(finding)));
  const bare = CEILING ? await startBareSender(receiver.url, `tnt_${'0'.repeat(26)}`, sample) : undefined;

  // CPU time (user + system, ms) of the server, of PostgreSQL (all its processes), of the receiver and
  // of this process (the load), to compare the cost per write without the noise of a shared machine.
  const cpu = (): Record<CpuGroup, number> => {
    const totals = { server: 0, postgres: 0, receiver: 0, load: 0 };
    for (const pid of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
      let stat: string;
      try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue; // gone
      }
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      // The ceiling's sender stands in for the server's dispatcher, so its time counts as the server's.
      const group = Number(pid) === child.pid || Number(pid) === bare?.pid ? 'server' : Number(pid) === receiver.pid ? 'receiver'
        : Number(pid) === process.pid ? 'load' : comm === 'postgres' ? 'postgres' : undefined;
      if (!group) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime + stime, in clock ticks (100 Hz); for PostgreSQL also cutime + cstime, so that the
      // postmaster carries the time of backends that ended (pool connections closed when idle, autovacuum).
      const ticks = Number(f[11]) + Number(f[12]) + (group === 'postgres' ? Number(f[13]) + Number(f[14]) : 0);
      totals[group] += ticks * 10;
    }
    return totals;
  };
  const perWrite = (a: Record<CpuGroup, number>, b: Record<CpuGroup, number>, writes: number) =>
    Object.fromEntries(CPU_GROUPS.map((g) => [g, (b[g] - a[g]) / writes])) as Record<CpuGroup, number>;
  /** Drives the writes; `onOk`, if given, hears every 20 ms how many were acknowledged since. */
  const run = async (seconds: number, onOk?: (n: number) => void) => {
    const result = await new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon({
        url: `${base}/findings`, method: 'POST', connections: CONNECTIONS, duration: seconds, headers, body: finding,
      }, (err, res) => (err ? reject(err) : resolve(res)));
      if (!onOk) return;
      let acknowledged = 0;
      instance.on('response', (_client, status: number) => void (status >= 200 && status < 300 && acknowledged++));
      const tick = setInterval(() => {
        if (acknowledged) onOk(acknowledged);
        acknowledged = 0;
      }, 20);
      instance.on('done', () => {
        clearInterval(tick);
        if (acknowledged) onOk(acknowledged);
      });
    });
    const ok = result['2xx'];
    return { ok, rps: ok / seconds, errors: result.non2xx + result.errors, p99: result.latency.p99 };
  };

  log(`webhook bench on ${databaseUrl ? 'PostgreSQL' : 'PGlite'}: ${ROUNDS} round(s) of ${DURATION} s per case, ${CONNECTIONS} connections`);
  await run(3); // warm-up
  const without: number[] = [];
  const withHook: number[] = [];
  const cpuWithout: Record<CpuGroup, number>[] = [];
  const cpuWith: Record<CpuGroup, number>[] = [];
  const ceiling: number[] = [];
  const cpuCeiling: Record<CpuGroup, number>[] = [];
  let webhookId: string | undefined;
  for (let round = 0; round < ROUNDS; round++) {
    if (webhookId) await fetch(`${base}/webhooks/${webhookId}`, { method: 'PUT', headers, body: JSON.stringify({ active: false }) });
    const cpuA = cpu();
    const a = await run(DURATION);
    cpuWithout.push(perWrite(cpuA, cpu(), a.ok));
    without.push(a.rps);
    log(`  no webhook:      ${a.rps.toFixed(0)} req/s (p99 ${a.p99} ms, ${a.errors} errors)`);
    if (webhookId) await fetch(`${base}/webhooks/${webhookId}`, { method: 'PUT', headers, body: JSON.stringify({ active: true }) });
    else webhookId = (await post('/webhooks', { url: receiver.url, events: ['*'] })).id;
    const before = receiver.lags.size;
    const cpuB = cpu();
    const b = await run(DURATION);
    const duringRun = receiver.lags.size - before;
    const drainStart = Date.now();
    withHook.push(b.rps);
    const expected = before + b.ok;
    const until = Date.now() + DRAIN_SECONDS * 1000;
    // Until every acknowledged write's event arrived and nothing is pending: writes in flight when
    // the run ended were stored too, and would otherwise wait for the webhook's next round.
    const pending = async () => {
      const res = await fetch(`${base}/webhooks/${webhookId}/deliveries?status=pending&limit=1`, { headers });
      return ((await res.json()) as { data: unknown[] }).data.length > 0;
    };
    while ((receiver.lags.size < expected || (await pending())) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    cpuWith.push(perWrite(cpuB, cpu(), b.ok)); // the deliveries included
    log(`  webhook on '*':  ${b.rps.toFixed(0)} req/s (p99 ${b.p99} ms, ${b.errors} errors), ${receiver.lags.size - before} delivered ` +
      `(${duringRun} during the run, the rest in ${((Date.now() - drainStart) / 1000).toFixed(1)} s after)`);
    if (bare) {
      await fetch(`${base}/webhooks/${webhookId}`, { method: 'PUT', headers, body: JSON.stringify({ active: false }) });
      const sentBefore = await bare.sent();
      const cpuC = cpu();
      const c = await run(DURATION, bare.writes);
      const sendUntil = Date.now() + DRAIN_SECONDS * 1000;
      while ((await bare.sent()) < sentBefore + c.ok && Date.now() < sendUntil) await new Promise((r) => setTimeout(r, 50));
      cpuCeiling.push(perWrite(cpuC, cpu(), c.ok));
      ceiling.push(c.rps);
      log(`  ceiling:         ${c.rps.toFixed(0)} req/s (p99 ${c.p99} ms, ${c.errors} errors), ${(await bare.sent()) - sentBefore} bare deliveries`);
    }
  }
  const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);
  const lags = [...receiver.lags.values()].sort((x, y) => x - y);
  const ratio = sum(withHook) / sum(without);
  const summary = {
    database: databaseUrl ? 'postgres' : 'pglite',
    rps_without_webhook: Math.round(sum(without) / without.length),
    rps_with_webhook: Math.round(sum(withHook) / withHook.length),
    throughput_ratio: Number(ratio.toFixed(3)),
    ...(bare && { ceiling_ratio: Number((sum(ceiling) / sum(without)).toFixed(3)) }),
    cpu_ms_per_write: {
      without_webhook: meanCpu(cpuWithout), with_webhook: meanCpu(cpuWith), ...(bare && { ceiling: meanCpu(cpuCeiling) }),
    },
    deliveries: lags.length,
    lag_ms: { p50: percentile(lags, 50), p99: percentile(lags, 99), max: lags.at(-1) },
    targets: { ratio: ratio >= 0.85 ? 'met (≥ 0.85)' : 'missed (≥ 0.85)', lag_p99: percentile(lags, 99) <= 1000 ? 'met (≤ 1 s)' : 'missed (≤ 1 s)' },
  };
  console.log(JSON.stringify(summary, null, 2));
}

if (process.argv.includes('--receiver')) receiverMain();
else if (process.argv.includes('--bare-sender')) bareSenderMain();
else main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const c of cleanups) await c().catch(() => undefined);
  });
