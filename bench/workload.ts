/**
 * `npm run bench:workload [-- --db=postgres|pglite] [--duration=20] [--warmup=5] [--idle=300 (0: none)] [--mixes=read,workday] [--cache=off,on] [--reseed] [--cpu-prof=DIR]`
 *
 * Real traffic instead of one repeated URL: each request is drawn at random from a mix
 * (bench/workload-mix.ts) of findings by id across the whole table, list pages at random depths
 * with random filters, every whitelisted sort in both orders, common-word, rare-word and phrase
 * searches, keyset next pages, project and asset sub-lists — and, in the "workday" mix, about 10%
 * updates and 5% creates. 32 connections (an undici Pool), closed loop. Each mix runs against the
 * server with its read cache on and off, and against a bare Fastify server answering every class
 * with a body of the same size (bench/bare.ts), the yardstick measured in the same run. Then each
 * class alone, one request at a time on the otherwise idle server: the idle p99 table.
 *
 * The seeded tenant (BENCH_FINDINGS, 100,000 by default) is kept in a database named after its size
 * (PostgreSQL `neuro_workload_<n>`, or a PGlite folder in the temp directory), so a rerun does not
 * seed again; `--reseed` drops it first. What the workday mix creates is removed at the start of
 * the next run. On PGlite (`--db=pglite`) only the read mix runs, and its figures have no target.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { Pool } from 'undici';
import { openDatabase, type Database } from '../src/db/driver.js';
import { foldCounters } from '../src/server/modules/findings/counter-fold.js';
import { findingCount, seed } from './seed.js';
import { cpuProfileArgs, flag, freePort, log, numberFlag, postgresUrl, ROOT, stopChild, waitUp } from './lib.js';
import { CLASSES, classDrawer, drawer, MIXES, State, type Draw, type MixName, type Universe } from './workload-mix.js';

const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
const CONNECTIONS = 32;
const duration = numberFlag('duration', 20);
const warmup = numberFlag('warmup', 5);
const idleCount = numberFlag('idle', 300);
const kind = flag('db') ?? 'postgres';
if (kind !== 'postgres' && kind !== 'pglite') throw new Error('--db must be postgres or pglite');
const mixes = (flag('mixes') ?? (kind === 'pglite' ? 'read' : 'read,workday')).split(',').filter((m) => m !== 'none') as MixName[];
/** Print each class's slowest requests of the idle run, to find what to explain. */
const slowest = numberFlag('slowest', 0);
/** Which server runs, in which order: the read cache off, on (a run changes the table the next one reads). */
const cacheRuns = (flag('cache') ?? 'off,on').split(',').map((c) => {
  if (c !== 'on' && c !== 'off') throw new Error('--cache: a list of on and off');
  return c === 'on';
});
for (const m of mixes) if (!(m in MIXES)) throw new Error(`--mixes: unknown mix ${m}`);

const children = new Set<ChildProcess>();
function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(TSX, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    for (const c of children) c.kill('SIGTERM');
    process.exit(130);
  });
}

// ---- The seeded database, kept between runs.

interface Seed {
  secret: string;
  slug: string;
  token: string;
  tenantId: string;
  findings: number;
  seconds: number;
}

interface Target {
  env: Record<string, string>;
  open(): Promise<Database>;
  /** As the owner (the server stopped, for PGlite). */
  ownerQuery(sql: string): Promise<void>;
  /** The seed's facts kept beside the data. */
  readSeed(): Seed | undefined;
  writeSeed(s: Seed): void;
}

async function target(total: number): Promise<Target> {
  const reseed = process.argv.includes('--reseed');
  if (kind === 'pglite') {
    const dir = path.join(os.tmpdir(), `neuro-workload-pglite-${total}`);
    if (reseed) fs.rmSync(dir, { recursive: true, force: true });
    const seedFile = path.join(dir, 'bench-seed.json');
    return {
      env: { NEURO_DATA_DIR: dir, DATABASE_URL: '' },
      open: () => openDatabase({ dataDir: dir }),
      async ownerQuery(sql) {
        const { PGlite } = await import('@electric-sql/pglite');
        const db = await PGlite.create(path.join(dir, 'pglite'));
        try {
          await db.exec(sql);
        } finally {
          await db.close();
        }
      },
      readSeed: () => (fs.existsSync(seedFile) ? (JSON.parse(fs.readFileSync(seedFile, 'utf8')) as Seed) : undefined),
      writeSeed: (s) => fs.writeFileSync(seedFile, JSON.stringify(s)),
    };
  }
  const base = await postgresUrl();
  if (!base) throw new Error('no PostgreSQL: set DATABASE_URL or start one on 127.0.0.1:5432');
  const name = `neuro_workload_${total}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: base });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  };
  if (reseed) await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  if ((await admin(`SELECT 1 FROM pg_database WHERE datname = '${name}'`)).length === 0) await admin(`CREATE DATABASE ${name}`);
  const url = new URL(base);
  url.pathname = `/${name}`;
  // The facts live in a file beside nothing else: keyed by the database's name and its creation.
  const oid = (await admin(`SELECT oid::text FROM pg_database WHERE datname = '${name}'`))[0]!.oid as string;
  const seedFile = path.join(os.tmpdir(), `neuro-workload-${name}-${oid}.json`);
  return {
    env: { DATABASE_URL: url.toString() },
    open: () => openDatabase({ databaseUrl: url.toString(), dataDir: '' }),
    async ownerQuery(sql) {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    },
    readSeed: () => (fs.existsSync(seedFile) ? (JSON.parse(fs.readFileSync(seedFile, 'utf8')) as Seed) : undefined),
    writeSeed: (s) => fs.writeFileSync(seedFile, JSON.stringify(s)),
  };
}

async function prepare(t: Target, total: number): Promise<{ seed: Seed; universe: Universe }> {
  let s = t.readSeed();
  const db = await t.open();
  try {
    if (!s) {
      log(`== seeding ${total.toLocaleString('en')} findings (kept for the next run)`);
      const secret = randomBytes(32).toString('hex');
      const made = await seed(db, secret, total, log, { assetsPerProject: 5 });
      s = { secret, slug: made.slug, token: made.token, tenantId: made.tenantId, findings: total, seconds: made.seconds };
    } else {
      log(`== reusing the seeded ${total.toLocaleString('en')} findings`);
    }
    const tenantId = s.tenantId;
    const universe = await db.tenant(tenantId, async (q) => {
      // What an earlier workday run created goes, so every run starts from the seeded table.
      await q.query("DELETE FROM findings WHERE tenant_id = $1 AND tags @> '{bench-workload}'", [tenantId]);
      const ids = await q.query<{ id: string }>("SELECT id FROM findings WHERE tenant_id = $1", [tenantId]);
      const projects = await q.query<{ id: string }>('SELECT id FROM projects WHERE tenant_id = $1', [tenantId]);
      const assets = await q.query<{ id: string }>('SELECT id FROM assets WHERE tenant_id = $1', [tenantId]);
      const span = await q.query<{ lo: string; hi: string }>(
        'SELECT (extract(epoch FROM min(created_at)) * 1000)::bigint::text AS lo, (extract(epoch FROM max(created_at)) * 1000)::bigint::text AS hi FROM findings WHERE tenant_id = $1',
        [tenantId],
      );
      return {
        findingIds: ids.rows.map((r) => r.id), projectIds: projects.rows.map((r) => r.id), assetIds: assets.rows.map((r) => r.id),
        oldestMs: Number(span.rows[0]!.lo), newestMs: Number(span.rows[0]!.hi),
      };
    });
    // As a running server's counter folder would have by now (findings/counter-fold.ts), so that a
    // server started for a run does not fold the seed's slot rows while it is measured.
    const foldStart = Date.now();
    const folded = await foldCounters(db, tenantId);
    if (folded > 0) log(`== folded ${folded.toLocaleString('en')} counter slot rows (${((Date.now() - foldStart) / 1000).toFixed(1)} s)`);
    await db.close();
    // As autovacuum would have by now (after the seeding, or the removal of the last run's creates,
    // which sit at the head of the creation-time index), and the dirty pages written out.
    await t.ownerQuery('VACUUM ANALYZE');
    await t.ownerQuery('CHECKPOINT');
    if (!t.readSeed()) t.writeSeed(s);
    return { seed: s, universe };
  } finally {
    await db.close().catch(() => undefined);
  }
}

// ---- Servers.

interface Server {
  base: string;
  stop(): Promise<void>;
}

async function startServer(t: Target, s: Seed, cacheMb: number): Promise<Server> {
  const port = await freePort();
  const child = start([...cpuProfileArgs(), 'src/server/main.ts'], {
    ...t.env, PORT: String(port), HOST: '127.0.0.1', NEURO_SECRET: s.secret, NEURO_BOOTSTRAP_TENANT: s.slug, LOG_LEVEL: 'warn',
    NEURO_RATE_LIMIT_PER_MINUTE: '100000000', NEURO_RATE_LIMIT_PER_HOUR: '100000000', NEURO_READ_CACHE_MB: String(cacheMb),
  });
  child.stdout!.on('data', (d) => process.stderr.write(d));
  const base = `http://127.0.0.1:${port}/api/v1`;
  await waitUp(base, 600); // the first start after a new migration builds its indexes
  return { base, stop: () => stopChild(child) };
}

/** The yardstick: every class's route answers a body of the size ours answered (their mean). */
async function startBare(sizes: Map<string, number[]>): Promise<Server> {
  const routes = [...sizes].map(([cls, list]) => {
    const mean = Math.round(list.reduce((a, b) => a + b, 0) / list.length);
    const body = JSON.stringify({ success: true, data: 'x'.repeat(Math.max(0, mean - 27)) });
    return { method: 'GET', url: `/${cls}`, status: 200, body };
  });
  const file = path.join(os.tmpdir(), `neuro-workload-bare-${randomBytes(4).toString('hex')}.json`);
  fs.writeFileSync(file, JSON.stringify(routes));
  const child = start(['bench/bare.ts'], { BENCH_BARE_ROUTES: file });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      const m = /listening (\d+)/.exec(String(d));
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', () => reject(new Error('the bare server exited')));
  });
  return { base: `http://127.0.0.1:${port}`, stop: async () => (await stopChild(child), fs.rmSync(file, { force: true })) };
}

// ---- Load.

interface Stats {
  n: number;
  errors: number;
  latencies: number[];
  /** The slowest requests (with --slowest). */
  slow: [ms: number, path: string][];
  firstError?: string;
}

interface Result {
  seconds: number;
  all: Stats;
  byClass: Map<string, Stats>;
  created: string[];
  sizes: Map<string, number[]>;
}

const newStats = (): Stats => ({ n: 0, errors: 0, latencies: [], slow: [] });

/**
 * `connections` loops, each sending one drawn request and waiting for its answer, for `seconds`.
 * With `bare`, each draw goes to the yardstick's route for its class instead.
 */
async function drive(
  base: string, token: string, draw: () => Draw, state: State, seconds: number, connections: number, bare = false, count = Infinity,
): Promise<Result> {
  const url = new URL(base);
  const pool = new Pool(url.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const prefix = url.pathname;
  const result: Result = { seconds, all: newStats(), byClass: new Map(), created: [], sizes: new Map() };
  const deadline = performance.now() + seconds * 1000;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  let left = count;
  async function loop() {
    while (performance.now() < deadline && left-- > 0) {
      const d = draw();
      const started = performance.now();
      let status = 0;
      let text = '';
      try {
        const res = await pool.request(bare
          ? { method: 'GET', path: `/${d.cls}` }
          : { method: d.method, path: `${prefix}${d.path}`, headers, body: d.body });
        status = res.statusCode;
        text = await res.body.text();
      } catch (err) {
        text = (err as Error).message;
      }
      const ms = performance.now() - started;
      const stats = result.byClass.get(d.cls) ?? newStats();
      result.byClass.set(d.cls, stats);
      const ok = bare ? status === 200 : status === d.status;
      for (const s of [stats, result.all]) {
        s.n++;
        s.latencies.push(ms);
        if (slowest > 0 && (s.slow.length < slowest || ms > s.slow[s.slow.length - 1]![0])) {
          s.slow = [...s.slow, [ms, `${d.method} ${d.path}`] as [number, string]].sort((x, y) => y[0] - x[0]).slice(0, slowest);
        }
        if (!ok) {
          s.errors++;
          s.firstError ??= `${d.method} ${d.path} → ${status}: ${text.slice(0, 160)}`.slice(0, 240);
        }
      }
      if (bare || !ok) continue;
      if (d.method === 'GET' && d.path.includes('?')) state.learn(d.path, text);
      if (d.status === 201) result.created.push(/"id":"([^"]+)"/.exec(text)![1]!);
      const sizes = result.sizes.get(d.cls) ?? [];
      if (sizes.length < 200) sizes.push(Buffer.byteLength(text));
      result.sizes.set(d.cls, sizes);
    }
  }
  await Promise.all(Array.from({ length: connections }, loop));
  await pool.close();
  return result;
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function summary(s: Stats, seconds: number) {
  const sorted = Float64Array.from(s.latencies).sort();
  const mean = sorted.length === 0 ? NaN : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return { rps: (s.n - s.errors) / seconds, p50: quantile([...sorted], 0.5), p99: quantile([...sorted], 0.99), mean, errors: s.errors, n: s.n };
}

function formatTable(head: string[], rows: string[][]): string {
  const lines = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
  const fmt = (l: string[]) => l.map((c, i) => (i === 0 || i === head.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)].join('\n');
}

interface Target_ {
  label: string;
  rps?: number;
  p99?: number;
  zeroErrors?: boolean;
}

/** The targets (PostgreSQL at 100,000 findings): read cache off ≥ 1,000/s p99 ≤ 100; on ≥ 2,000; workday ≥ 800, p99 ≤ 150, no errors. */
function targetOf(mix: MixName, cacheOn: boolean): Target_ | undefined {
  if (kind !== 'postgres') return undefined;
  if (mix === 'read') return cacheOn ? { label: '≥ 2,000/s', rps: 2000 } : { label: '≥ 1,000/s, p99 ≤ 100', rps: 1000, p99: 100 };
  if (mix === 'workday' && cacheOn) return { label: '≥ 800/s, p99 ≤ 150, 0 errors, 201s stored', rps: 800, p99: 150, zeroErrors: true };
  return undefined;
}

// ---- The run.

async function main() {
  const total = findingCount();
  const t = await target(total);
  const { seed: s, universe } = await prepare(t, total);
  const state = new State();
  const loadAtStart = os.loadavg()[0]!;
  const mixRows: string[][] = [];
  const classTables: string[] = [];
  const sizes = new Map<string, number[]>();
  const created: string[] = [];
  const bareRuns: { mix: MixName; cacheOn: boolean; rps: number }[] = [];
  let idle = '';

  for (const cacheOn of cacheRuns) {
    const server = await startServer(t, s, cacheOn ? 64 : 0);
    try {
      for (const mix of mixes) {
        const draw = drawer(MIXES[mix], universe, state);
        log(`== ${mix} mix, read cache ${cacheOn ? 'on' : 'off'}: ${warmup} s warm-up, ${duration} s`);
        await drive(server.base, s.token, draw, state, warmup, CONNECTIONS);
        const r = await drive(server.base, s.token, draw, state, duration, CONNECTIONS);
        created.push(...r.created);
        for (const [cls, list] of r.sizes) sizes.set(cls, [...(sizes.get(cls) ?? []), ...list].slice(-400));
        const all = summary(r.all, r.seconds);
        const tg = targetOf(mix, cacheOn);
        mixRows.push([`${mix}, cache ${cacheOn ? 'on' : 'off'}`, all.rps.toFixed(0), all.p50.toFixed(1), all.p99.toFixed(1), String(all.errors), '', '',
          tg ? `${tg.label}: ${(tg.rps === undefined || all.rps >= tg.rps) && (tg.p99 === undefined || all.p99 <= tg.p99) && (!tg.zeroErrors || all.errors === 0) ? 'PASS' : 'FAIL'}` : '—']);
        bareRuns.push({ mix, cacheOn, rps: 0 });
        const rows = CLASSES.filter((c) => r.byClass.has(c)).map((c) => {
          const x = summary(r.byClass.get(c)!, r.seconds);
          return [c, x.rps.toFixed(0), x.p50.toFixed(1), x.p99.toFixed(1), String(x.errors), r.byClass.get(c)!.firstError ?? ''];
        });
        classTables.push(`${mix} mix, read cache ${cacheOn ? 'on' : 'off'}, per class:\n${formatTable(['class', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'first error'], rows)}`);
      }
      if (!cacheOn && idleCount > 0) {
        // Each class alone, one request at a time, on the otherwise idle server (cache off: nothing repeats).
        log(`== idle: each class alone, ${idleCount} requests one at a time`);
        const rows: string[][] = [];
        for (const cls of CLASSES.filter((c) => (c !== 'create' && c !== 'update') || mixes.includes('workday'))) {
          const draw = classDrawer(cls, universe, state);
          await drive(server.base, s.token, draw, state, 0.5, 1);
          const began = performance.now();
          const r = await drive(server.base, s.token, draw, state, 3600, 1, false, idleCount);
          r.seconds = (performance.now() - began) / 1000;
          created.push(...r.created);
          const x = summary(r.all, r.seconds);
          const limit = total <= 100_000 ? 20 : 60;
          for (const [ms, what] of r.all.slow) log(`   ${cls} ${ms.toFixed(1)} ms ${what}`);
          rows.push([cls, x.mean.toFixed(1), x.p50.toFixed(1), x.p99.toFixed(1), String(x.errors), kind === 'postgres' ? `p99 ≤ ${limit}: ${x.p99 <= limit && x.errors === 0 ? 'PASS' : 'FAIL'}` : '—']);
        }
        idle = `each class alone, one at a time, read cache off (${idleCount} requests each):\n${formatTable(['class', 'mean ms', 'p50 ms', 'p99 ms', 'errors', 'target'], rows)}`;
      }
    } finally {
      await server.stop();
    }
  }

  // The yardstick: the same mixes' classes, with same-size bodies, from a bare Fastify route.
  const bare = await startBare(sizes);
  try {
    for (const row of bareRuns) {
      const draw = drawer(MIXES[row.mix], universe, state);
      log(`== bare yardstick for the ${row.mix} mix`);
      await drive(bare.base, s.token, draw, state, Math.min(warmup, 2), CONNECTIONS, true);
      row.rps = summary((await drive(bare.base, s.token, draw, state, Math.min(duration, 10), CONNECTIONS, true)).all, Math.min(duration, 10)).rps;
    }
  } finally {
    await bare.stop();
  }
  bareRuns.forEach((b, i) => {
    mixRows[i]![5] = b.rps.toFixed(0);
    mixRows[i]![6] = (Number(mixRows[i]![1]) / b.rps).toFixed(2);
  });

  // Every 201 must be in the table.
  let stored = '';
  if (created.length > 0) {
    const db = await t.open();
    try {
      const n = await db.tenant(s.tenantId, async (q) =>
        Number((await q.query<{ n: string }>('SELECT count(*)::text AS n FROM findings WHERE tenant_id = $1 AND id = ANY($2)', [s.tenantId, created])).rows[0]!.n));
      stored = `created: ${created.length} answered 201, ${n} in the table: ${n === created.length ? 'all stored' : 'MISSING'}`;
      if (n !== created.length) process.exitCode = 1;
    } finally {
      await db.close();
    }
  }

  // What the figures depend on beyond the code: the server's buffer cache (the default 128 MB holds
  // a fraction of 100,000 findings' table and indexes, and each page read past it is a copy from
  // the kernel's cache).
  let server = '';
  if (kind === 'postgres') {
    const db = await t.open();
    try {
      const { rows } = await db.system((q) => q.query<{ v: string; b: string }>(
        "SELECT current_setting('server_version') AS v, current_setting('shared_buffers') AS b"));
      server = `, PostgreSQL ${rows[0]!.v.split(' ')[0]} with shared_buffers ${rows[0]!.b}`;
    } finally {
      await db.close();
    }
  }

  const out = [
    `${kind === 'postgres' ? 'PostgreSQL' : 'PGlite'} — ${total.toLocaleString('en')} findings (${universe.projectIds.length} projects, ${universe.assetIds.length} assets), ` +
      `${CONNECTIONS} connections, ${duration} s per run after ${warmup} s warm-up`,
    `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), load average ${loadAtStart.toFixed(1)} → ${os.loadavg()[0]!.toFixed(1)} (1 min, at start and end)${server}`,
    '',
    formatTable(['mix', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'bare req/s', 'ratio', 'target'], mixRows),
    ...(stored ? [stored] : []),
    '',
    ...classTables.flatMap((x) => [x, '']),
    idle,
  ].join('\n');
  console.log(`\n${out}`);
}

main().catch((err) => {
  console.error(err);
  for (const c of children) c.kill('SIGTERM');
  process.exit(1);
});
