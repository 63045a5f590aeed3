/**
 * Crash test of the transactional outbox: `npx tsx bench/crash-test.ts [--writes=2000] [--concurrency=16]`
 * (PostgreSQL when DATABASE_URL is set — a fresh database is created and dropped — else PGlite).
 *
 * Starts the real server as a child process, subscribes a loopback receiver to finding.created,
 * drives finding writes at concurrency, SIGKILLs the server mid-run, restarts it, finishes the
 * writes, and then checks: every write the API acknowledged is stored, every stored finding's event
 * was delivered at least once (with a valid Standard Webhooks signature), and no event was delivered
 * for a finding that is not stored. Prints the counts; exits 1 on any violation.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type net from 'node:net';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { Webhook } from 'standardwebhooks';
import { generateToken } from '../src/server/lib/tokens.js';
import { createScratchDatabase } from '../src/db/scratch.js';
import { freePort, log, numberFlag, ROOT, stopChild, waitUp } from './lib.js';

const WRITES = numberFlag('writes', 2000);
const CONCURRENCY = numberFlag('concurrency', 16);
const KILL_AT = Math.floor(WRITES * 0.4);


// ---- The receiver: counts deliveries per finding and checks every signature.

interface Receiver {
  url: string;
  deliveries: Map<string, number>;
  badSignatures: number;
  setSecret(secret: string): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let verifier: Webhook | undefined;
  const self: Receiver = {
    url: '',
    deliveries: new Map(),
    badSignatures: 0,
    setSecret: (s) => (verifier = new Webhook(s)),
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        const payload = verifier!.verify(body, req.headers as Record<string, string>) as { data: { id: string } };
        self.deliveries.set(payload.data.id, (self.deliveries.get(payload.data.id) ?? 0) + 1);
      } catch {
        self.badSignatures++;
      }
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  self.url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/hook`;
  return self;
}

// ---- The server, as a single process (no tsx wrapper), so SIGKILL kills the server itself.

function startServer(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  return child;
}

async function main() {
  const databaseUrl = process.env.DATABASE_URL;
  const pgdb = databaseUrl ? await createScratchDatabase(databaseUrl, 'neuro_crash') : undefined;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuro-crash-'));
  const port = await freePort();
  const token = generateToken();
  const base = `http://127.0.0.1:${port}/api/v1`;
  const env = {
    PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NEURO_DATA_DIR: dataDir, DATABASE_URL: pgdb?.url ?? '',
    NEURO_SECRET: randomBytes(32).toString('hex'), NEURO_BOOTSTRAP_TENANT: 'crash', NEURO_BOOTSTRAP_TOKEN: token,
    NEURO_RATE_LIMIT_PER_MINUTE: '10000000', NEURO_RATE_LIMIT_PER_HOUR: '10000000',
    NEURO_WEBHOOK_ALLOW_PRIVATE: 'true', NEURO_WEBHOOK_TIMEOUT_MS: '3000', NEURO_WEBHOOK_BACKOFF_SCALE: '0.01',
  };
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const receiver = await startReceiver();
  let server: ChildProcess | undefined = startServer(env);
  let violations = 0;
  try {
    log(`crash test on ${pgdb ? 'PostgreSQL' : 'PGlite'}: ${WRITES} finding writes at concurrency ${CONCURRENCY}, SIGKILL after ${KILL_AT} acknowledged`);
    await waitUp(base);
    const project = (await (await fetch(`${base}/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'Crash test' }) })).json()) as { data: { id: string } };
    const webhook = (await (
      await fetch(`${base}/webhooks`, { method: 'POST', headers, body: JSON.stringify({ url: receiver.url, events: ['finding.created'] }) })
    ).json()) as { data: { secret: string } };
    receiver.setSecret(webhook.data.secret);

    const acked = new Set<string>();
    let unacked = 0;
    let next = 0;
    let up: Promise<void> = Promise.resolve();
    let killed = false;

    const killAndRestart = async () => {
      killed = true;
      const s = server!;
      const exited = new Promise((r) => s.once('exit', r));
      s.kill('SIGKILL');
      await exited;
      log(`  killed the server (SIGKILL) with ${acked.size} writes acknowledged; restarting`);
      server = startServer(env);
      await waitUp(base);
      log('  server is back');
    };

    const worker = async () => {
      for (;;) {
        const n = next++;
        if (n >= WRITES) return;
        await up;
        try {
          const res = await fetch(`${base}/findings`, {
            method: 'POST', headers, body: JSON.stringify({ project_id: project.data.id, title: `crash write ${n}`, severity: 'Low' }),
          });
          if (res.status !== 201) throw new Error(`HTTP ${res.status}`);
          acked.add(((await res.json()) as { data: { id: string } }).data.id);
          if (!killed && acked.size >= KILL_AT) up = killAndRestart();
        } catch {
          unacked++; // refused, reset, or cut off by the kill: maybe stored, maybe not
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await up;

    // Every stored finding, through the API.
    const stored = new Set<string>();
    for (let page = 1; ; page++) {
      const res = (await (await fetch(`${base}/projects/${project.data.id}/findings?limit=100&page=${page}`, { headers })).json()) as {
        data: { id: string }[];
        meta: { pages: number };
      };
      for (const f of res.data) stored.add(f.id);
      if (page >= res.meta.pages) break;
    }

    // Wait for the deliveries (a lease held by the killed process expires within timeout + 10 s).
    const deadline = Date.now() + 120_000;
    while ([...stored].some((id) => !receiver.deliveries.has(id)) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
    }

    const lostWrites = [...acked].filter((id) => !stored.has(id));
    const undelivered = [...stored].filter((id) => !receiver.deliveries.has(id));
    const ackedUndelivered = [...acked].filter((id) => !receiver.deliveries.has(id));
    const phantom = [...receiver.deliveries.keys()].filter((id) => !stored.has(id));
    const duplicates = [...receiver.deliveries.values()].reduce((sum, n) => sum + (n - 1), 0);
    const counts = {
      database: pgdb ? 'postgres' : 'pglite',
      writes_attempted: WRITES,
      acknowledged: acked.size,
      not_acknowledged: unacked,
      stored: stored.size,
      stored_without_ack: [...stored].filter((id) => !acked.has(id)).length,
      delivered_findings: receiver.deliveries.size,
      duplicate_deliveries: duplicates,
      bad_signatures: receiver.badSignatures,
      acknowledged_not_stored: lostWrites.length,
      acknowledged_not_delivered: ackedUndelivered.length,
      stored_not_delivered: undelivered.length,
      delivered_not_stored: phantom.length,
    };
    console.log(JSON.stringify(counts, null, 2));
    violations = lostWrites.length + undelivered.length + phantom.length + receiver.badSignatures + (killed ? 0 : 1);
    console.log(violations === 0 ? 'PASS: nothing acknowledged was lost, every stored write was delivered, nothing else was' : `FAIL: ${violations} violation(s)`);
  } finally {
    if (server) await stopChild(server);
    await receiver.close();
    await pgdb?.drop().catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  process.exit(violations === 0 ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
