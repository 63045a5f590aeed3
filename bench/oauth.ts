/**
 * What the OAuth token endpoint costs: client_credentials grants (oidc-provider, a row per token
 * in oauth_store) at 32 connections, against a bare Fastify route in the same run as the yardstick
 * (it parses the same form body and answers a token response of the same size from memory).
 *
 *   npm run bench:oauth -- [--connections=32] [--duration=5] [--rounds=3]
 *
 * Starts its own server as a child process (this file with `--serve`: PGlite in a temporary folder,
 * or a fresh database on BENCH_DATABASE_URL) with one tenant, a service account and a confidential
 * OAuth client, and prints requests/s, p50 and p99 (medians over rounds, in a shuffled order: the
 * machine may be busy with other work).
 */
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { benchDatabase, log, numberFlag } from './lib.js';

interface Ready {
  origin: string;
  bare: string;
  clientId: string;
  clientSecret: string;
}

async function serve() {
  const { default: Fastify } = await import('fastify');
  const { buildApp } = await import('../src/server/app.js');
  const { createTenantService } = await import('../src/server/modules/tenants/service.js');
  const { createTokenService } = await import('../src/server/modules/tokens/service.js');

  const { config, db, secret, cleanup } = await benchDatabase('neuro-bench-oauth');
  const tenants = createTenantService({ db, tokens: createTokenService({ db, secret }) });
  const { token } = await tenants.create('bench');
  const app = await buildApp({ config, db, secret });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const origin = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const post = async (p: string, body: unknown) => {
    const res = await fetch(`${origin}/api/v1${p}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`${p}: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { data: Record<string, string> }).data;
  };
  const sa = await post('/service-accounts', { name: 'Bench importer', role: 'tester' });
  const c = await post('/oauth2/clients', { name: 'Bench', client_type: 'confidential', scopes: ['findings:read', 'findings:write'], service_account_id: sa.id });

  // The yardstick: the same request parsed, a token response of the same shape answered from memory.
  const bare = Fastify({ logger: false });
  bare.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
  bare.post('/token', async (req, reply) => {
    const form = req.body as URLSearchParams;
    if (form.get('grant_type') !== 'client_credentials' || !req.headers.authorization) return reply.code(400).send({ error: 'invalid_request' });
    return reply.header('cache-control', 'no-store').send({ access_token: randomBytes(32).toString('base64url'), expires_in: 3600, token_type: 'Bearer', scope: form.get('scope') });
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  const ready: Ready = { origin, bare: `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`, clientId: c.id!, clientSecret: c.client_secret! };
  process.stdout.write(`READY ${JSON.stringify(ready)}\n`);
  const stop = async () => {
    await bare.close();
    await app.close();
    await cleanup();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
}

async function main() {
  const { default: autocannon } = await import('autocannon');
  const duration = numberFlag('duration', 5);
  const rounds = numberFlag('rounds', 3);
  const connections = numberFlag('connections', 32);
  const file = fileURLToPath(import.meta.url);
  const tsx = path.join(path.dirname(file), '..', 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, [file, '--serve', ...process.argv.slice(2)], { stdio: ['pipe', 'pipe', 'inherit'], env: process.env });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<Ready>((resolve, reject) => {
    lines.on('line', (line) => {
      if (line.startsWith('READY ')) resolve(JSON.parse(line.slice(6)) as Ready);
    });
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const request = {
    method: 'POST' as const,
    headers: {
      authorization: `Basic ${Buffer.from(`${ready.clientId}:${ready.clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials&scope=findings%3Aread',
  };
  // It answers with a token the API accepts.
  const probe = await fetch(`${ready.origin}/api/v1/auth/oauth2/token`, request);
  const issued = (await probe.json()) as { access_token?: string };
  if (!issued.access_token) throw new Error(`token endpoint: ${probe.status} ${JSON.stringify(issued)}`);
  const check = await fetch(`${ready.origin}/api/v1/findings?limit=1`, { headers: { authorization: `Bearer ${issued.access_token}` } });
  if (check.status !== 200) throw new Error(`the issued token was refused: ${check.status}`);

  const scenarios = [
    { name: 'token', url: `${ready.origin}/api/v1/auth/oauth2/token` },
    { name: 'bare', url: `${ready.bare}/token` },
  ];
  const run = (url: string, c: number, seconds: number) => autocannon({ url, connections: c, duration: seconds, ...request });
  log(`warming up (${Math.min(duration, 3)} s each)…`);
  for (const s of scenarios) await run(s.url, 4, Math.min(duration, 3));

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const acc = new Map<string, { rps: number[]; p50: number[]; p99: number[]; errors: number }>();
  for (let r = 1; r <= rounds; r++) {
    for (const s of [...scenarios].sort(() => Math.random() - 0.5)) {
      const out = await run(s.url, connections, duration);
      const a = acc.get(s.name) ?? { rps: [], p50: [], p99: [], errors: 0 };
      a.rps.push(out.requests.average);
      a.p50.push(out.latency.p50);
      a.p99.push(out.latency.p99);
      a.errors += out.errors + out.non2xx;
      acc.set(s.name, a);
      log(`round ${r}: ${s.name} ${Math.round(out.requests.average)} req/s, p99 ${out.latency.p99} ms`);
    }
  }
  child.kill('SIGTERM');
  console.log(`\nPOST /api/v1/auth/oauth2/token (client_credentials) vs a bare Fastify route: ${connections} connections, ${duration} s × ${rounds} rounds (medians), ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${os.cpus().length} CPUs`);
  console.log('scenario  req/s  p50 ms  p99 ms  errors');
  for (const s of scenarios) {
    const a = acc.get(s.name)!;
    console.log(`${s.name.padEnd(8)} ${String(Math.round(median(a.rps))).padStart(6)}  ${String(median(a.p50)).padStart(6)}  ${String(median(a.p99)).padStart(6)}  ${String(a.errors).padStart(6)}`);
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
