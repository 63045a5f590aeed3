/** What the benchmark scripts share: flags, logging, ports, and the server as a child process. */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import pg from 'pg';

export const ROOT = path.resolve(import.meta.dirname, '..');

/** `--name=value` from the command line. */
export function flag(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

export function numberFlag(name: string, fallback: number): number {
  const value = flag(name);
  return value === undefined ? fallback : Number(value);
}

/** With `--cpu-prof=DIR`: the node options that write a V8 CPU profile of a server run into DIR. */
export function cpuProfileArgs(): string[] {
  const dir = flag('cpu-prof');
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

/** Progress goes to stderr; stdout is kept for the results. */
export const log = (line: string) => process.stderr.write(`${line}\n`);

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Waits until `${base}/health` answers 200 (base: `http://…/api/v1`). */
export async function waitUp(base: string, seconds = 120): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${base}/health`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${base} did not answer within ${seconds} s`);
}

/** SIGTERM, then SIGKILL if the process has not exited after 15 s. */
export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** DATABASE_URL, or the PostgreSQL server on 127.0.0.1:5432 when one answers there; undefined otherwise. */
export async function postgresUrl(): Promise<string | undefined> {
  const url = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return url;
  } catch {
    return undefined;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * An in-process server's config and database for a bench child: a temporary data folder, and a
 * scratch database of BENCH_DATABASE_URL when that is set (else the embedded one); rate limits and
 * the webhook dispatcher out of the way. `cleanup` closes the database and removes both.
 */
export async function benchDatabase(prefix: string) {
  const { loadConfig } = await import('../src/server/config.js');
  const { openDatabase } = await import('../src/db/driver.js');
  const { createScratchDatabase } = await import('../src/db/scratch.js');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  const scratch = process.env.BENCH_DATABASE_URL ? await createScratchDatabase(process.env.BENCH_DATABASE_URL, 'neuro_bench') : undefined;
  const config = loadConfig({
    NEURO_DATA_DIR: dataDir,
    DATABASE_URL: scratch?.url ?? '',
    NEURO_SECRET: randomBytes(32).toString('hex'),
    LOG_LEVEL: 'warn',
    NEURO_RATE_LIMIT_PER_MINUTE: '100000000',
    NEURO_RATE_LIMIT_PER_HOUR: '100000000',
    NEURO_WEBHOOK_DISPATCHER: 'false',
  });
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const cleanup = async () => {
    await db.close();
    await scratch?.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  };
  return { config, db, secret: config.secret!, cleanup };
}

/**
 * Runs a bench file again as its own server (`<file> --serve`, with this run's flags) in a child
 * process, and resolves with what the child announced (announceReady). `lines` is the child's
 * output, for benches that ask it more later.
 */
export async function serveChild<T>(file: string): Promise<{ ready: T; child: ChildProcess; lines: Interface }> {
  const tsx = path.join(ROOT, 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, [file, '--serve', ...process.argv.slice(2)], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<T>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as T);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { ready, child, lines };
}

/** In a serveChild child: tells the parent what it needs, and runs `stop` on SIGTERM or when the parent goes away. */
export function announceReady(ready: unknown, stop: () => Promise<void>): void {
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
  const end = async () => {
    await stop();
    process.exit(0);
  };
  process.on('SIGTERM', () => void end());
  process.stdin.on('end', () => void end());
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** What autocannon reports of a run that round statistics keep. */
interface RunResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
}

/** Scenarios' autocannon results over rounds, and their medians (requests/s, p50, p99) and total errors. */
export function roundStats() {
  const acc = new Map<string, { rps: number[]; p50: number[]; p99: number[]; errors: number }>();
  return {
    add(name: string, out: RunResult) {
      const a = acc.get(name) ?? { rps: [], p50: [], p99: [], errors: 0 };
      a.rps.push(out.requests.average);
      a.p50.push(out.latency.p50);
      a.p99.push(out.latency.p99);
      a.errors += out.errors + out.non2xx;
      acc.set(name, a);
    },
    /** The scenario's medians as table cells: req/s, p50, p99, errors. */
    cells(name: string): string[] {
      const a = acc.get(name)!;
      return [String(Math.round(median(a.rps))), String(median(a.p50)), String(median(a.p99)), String(a.errors)];
    },
  };
}
