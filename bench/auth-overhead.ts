/**
 * What authentication costs on `GET /api/v1/findings/{id}`, in one run:
 *
 *   npx tsx bench/auth-overhead.ts [--duration=5] [--connections=16] [--rounds=5]
 *
 * Starts its own server as a child process (this file with `--serve`: PGlite in a temporary folder,
 * or a fresh database on BENCH_DATABASE_URL) built with the bench-only `benchAuthBypass`, so the
 * same route can be served with authentication turned off (requests carrying `x-bench-no-auth: 1`;
 * main.ts never enables this). Then autocannon drives, round after round in turn:
 *
 *   health      GET /health, no credential (the floor: routing, rate limit, JSON)
 *   no-auth     GET /findings/{id} with authentication turned off
 *   api-token   GET /findings/{id} with an nf_live_ API token (verified once, then cached)
 *   jwt         GET /findings/{id} with a login's access token (signature checked once, then cached)
 *
 * and prints requests/s, latencies, and each as a ratio to no-auth taken within each round (medians
 * over rounds, which run the scenarios in a shuffled order). Target: the
 * cached API token adds at most 10 % over no-auth (ratio ≥ 0.91 in requests/s).
 */
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { announceReady, benchDatabase, numberFlag, serveChild } from './lib.js';

interface Ready {
  url: string;
  findingId: string;
  apiToken: string;
  jwt: string;
  /** Microseconds of one cached credential check (tokens.verify), measured in the server process. */
  verifyMicros: { apiToken: number; jwt: number };
}

async function serve() {
  const { buildApp } = await import('../src/server/app.js');
  const { createTokenService } = await import('../src/server/modules/tokens/service.js');
  const { createTenantService } = await import('../src/server/modules/tenants/service.js');

  const { config, db, secret, cleanup } = await benchDatabase('neuro-bench-auth');
  const tenants = createTenantService({ db, tokens: createTokenService({ db, secret }) });
  const t = await tenants.create('bench');
  const app = await buildApp({
    config, db, secret,
    benchAuthBypass: {
      tenantId: t.tenant.id, tenantSlug: 'bench', credentialId: 'bench-no-auth', kind: 'service',
      userId: null, serviceAccountId: t.serviceAccount.id, role: 'admin', scopes: ['admin'],
    },
  });
  const call = async (method: string, url: string, body?: unknown, token = t.token) => {
    const res = await app.inject({ method: method as 'GET', url: `/api/v1${url}`, payload: body as object, headers: { authorization: `Bearer ${token}` } });
    return res.json() as { data: { id: string } } & Record<string, string>;
  };
  const project = await call('POST', '/projects', { name: 'Bench' });
  const finding = await call('POST', '/findings', { project_id: project.data.id, title: 'SQL injection in login', severity: 'High', description: 'x'.repeat(600) });
  const password = `bench-${randomBytes(12).toString('hex')}`;
  await call('POST', '/users', { email: 'bench@example.com', name: 'Bench', role: 'tester', password });
  const login = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'bench@example.com', password } });
  const jwt = login.json().access_token as string;
  const timeVerify = async (token: string) => {
    for (let i = 0; i < 2000; i++) await app.ctx.tokens.verify(token);
    const n = 50_000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await app.ctx.tokens.verify(token);
    return Number(process.hrtime.bigint() - start) / 1000 / n;
  };
  const verifyMicros = { apiToken: await timeVerify(t.token), jwt: await timeVerify(jwt) };
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const ready: Ready = { url: `http://127.0.0.1:${port}/api/v1`, findingId: finding.data.id, apiToken: t.token, jwt, verifyMicros };
  announceReady(ready, async () => {
    await app.close();
    await cleanup();
  });
  // The parent asks for the CPU time this process has used, to measure the server's own cost per request.
  createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'cpu') {
      const u = process.cpuUsage();
      process.stdout.write(`CPU ${u.user + u.system}\n`);
    }
  });
}

async function main() {
  const { default: autocannon } = await import('autocannon');
  const duration = numberFlag('duration', 5);
  const connections = numberFlag('connections', 16);
  const rounds = numberFlag('rounds', 5);
  const { ready, child, lines } = await serveChild<Ready>(fileURLToPath(import.meta.url));
  let onCpu: ((micros: number) => void) | undefined;
  lines.on('line', (line) => {
    if (line.startsWith('CPU ')) onCpu?.(Number(line.slice(4)));
  });
  const serverCpu = () =>
    new Promise<number>((resolve) => {
      onCpu = resolve;
      child.stdin!.write('cpu\n');
    });
  const finding = `${ready.url}/findings/${ready.findingId}`;
  const scenarios: { name: string; url: string; headers: Record<string, string> }[] = [
    { name: 'health', url: `${ready.url}/health`, headers: {} },
    { name: 'no-auth', url: finding, headers: { 'x-bench-no-auth': '1' } },
    { name: 'api-token', url: finding, headers: { authorization: `Bearer ${ready.apiToken}` } },
    { name: 'jwt', url: finding, headers: { authorization: `Bearer ${ready.jwt}` } },
  ];
  for (const s of scenarios) {
    const check = await fetch(s.url, { headers: s.headers });
    if (check.status !== 200) throw new Error(`${s.name}: ${check.status} ${await check.text()}`);
  }
  const run = (s: (typeof scenarios)[number], seconds: number) =>
    autocannon({ url: s.url, headers: s.headers, connections, duration: seconds });
  process.stderr.write(`warming up (${Math.min(duration, 5)} s each)…\n`);
  for (const s of scenarios) await run(s, Math.min(duration, 5));
  // The machine may be busy with other work: each round runs the scenarios back to back in a
  // shuffled order, ratios are taken within a round, and the medians over rounds are reported.
  const results = new Map<string, { rps: number[]; ratio: number[]; cpu: number[]; cpuRatio: number[]; p50: number[]; p99: number[]; errors: number }>();
  for (let r = 1; r <= rounds; r++) {
    const order = [...scenarios].sort(() => Math.random() - 0.5);
    const round = new Map<string, number>();
    const roundCpu = new Map<string, number>();
    for (const s of order) {
      const cpuBefore = await serverCpu();
      const out = await run(s, duration);
      const cpuPerRequest = (await serverCpu() - cpuBefore) / Math.max(1, out.requests.total);
      round.set(s.name, out.requests.average);
      roundCpu.set(s.name, cpuPerRequest);
      const acc = results.get(s.name) ?? { rps: [], ratio: [], cpu: [], cpuRatio: [], p50: [], p99: [], errors: 0 };
      acc.rps.push(out.requests.average);
      acc.cpu.push(cpuPerRequest);
      acc.p50.push(out.latency.p50);
      acc.p99.push(out.latency.p99);
      acc.errors += out.errors + out.non2xx;
      results.set(s.name, acc);
    }
    for (const s of scenarios) {
      results.get(s.name)!.ratio.push(round.get(s.name)! / round.get('no-auth')!);
      results.get(s.name)!.cpuRatio.push(roundCpu.get(s.name)! / roundCpu.get('no-auth')!);
    }
    process.stderr.write(
      `round ${r}: ${scenarios.map((s) => `${s.name} ${Math.round(round.get(s.name)!)} req/s ${Math.round(roundCpu.get(s.name)!)} µs CPU/req`).join(', ')}\n`,
    );
  }
  child.kill('SIGTERM');
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(`\nGET /findings/{id}: ${connections} connections, ${duration} s × ${rounds} rounds (medians), ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`);
  console.log('scenario     req/s   p50 ms  p99 ms  req/s vs no-auth  server CPU µs/req  CPU vs no-auth  errors');
  for (const s of scenarios) {
    const r = results.get(s.name)!;
    console.log(
      `${s.name.padEnd(11)} ${String(Math.round(median(r.rps))).padStart(6)}  ${String(median(r.p50)).padStart(6)}  ${String(median(r.p99)).padStart(6)}` +
        `  ${median(r.ratio).toFixed(3).padStart(16)}  ${String(Math.round(median(r.cpu))).padStart(17)}  ${median(r.cpuRatio).toFixed(3).padStart(14)}  ${String(r.errors).padStart(6)}`,
    );
  }
  // The server's CPU per request is what authentication adds to; it holds still while other
  // processes on the machine make the throughput jump from round to round.
  const byCpu = (median(results.get('api-token')!.cpuRatio) - 1) * 100;
  const byRps = (1 / median(results.get('api-token')!.ratio) - 1) * 100;
  const noAuthCpu = median(results.get('no-auth')!.cpu);
  console.log(
    `\ncredential check alone (in the server, cached): API token ${ready.verifyMicros.apiToken.toFixed(1)} µs, ` +
      `JWT ${ready.verifyMicros.jwt.toFixed(1)} µs = ${((ready.verifyMicros.apiToken / noAuthCpu) * 100).toFixed(2)} % / ` +
      `${((ready.verifyMicros.jwt / noAuthCpu) * 100).toFixed(2)} % of the no-auth request's ${Math.round(noAuthCpu)} µs CPU`,
  );
  console.log(`cached API token overhead: ${byCpu.toFixed(1)} % server CPU per request, ${byRps.toFixed(1)} % by throughput (target ≤ 10 %) → ${byCpu <= 10 ? 'met' : 'NOT met'}`);
}

if (process.argv.includes('--serve')) await serve();
else await main();
