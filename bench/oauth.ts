/**
 * What the OAuth token endpoint costs: client_credentials grants (oidc-provider, a row per token
 * in oauth_store) at 32 connections, against a bare Fastify route in the same run as the yardstick
 * (it parses the same form body and answers a token response of the same size from memory).
 *
 *   npm run bench:oauth -- [--connections=32] [--duration=5] [--rounds=3] [--clients=6]
 *
 * Starts its own server as a child process (this file with `--serve`: PGlite in a temporary folder,
 * or a fresh database on BENCH_DATABASE_URL) with one tenant and several integrations, each a
 * confidential OAuth client acting as its own service account. Every request is one of them asking
 * for a random subset of its scopes, as a scanner, a CI job and a ticketing sync would each ask for
 * what the job at hand needs. Prints requests/s, p50 and p99 (medians over rounds, in a shuffled
 * order: the machine may be busy with other work).
 */
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { announceReady, benchDatabase, log, numberFlag, roundStats, serveChild } from './lib.js';

interface Integration {
  id: string;
  secret: string;
  scopes: string[];
}

interface Ready {
  origin: string;
  bare: string;
  clients: Integration[];
}

const SCOPE_SETS = [
  ['findings:read', 'findings:write', 'projects:read'],
  ['findings:read', 'assets:read'],
  ['projects:read', 'projects:write', 'findings:read'],
  ['reports:read', 'reports:write', 'findings:read'],
];

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
  const clients: Integration[] = [];
  for (let i = 0; i < numberFlag('clients', 6); i++) {
    const scopes = SCOPE_SETS[i % SCOPE_SETS.length]!;
    const sa = await post('/service-accounts', { name: `Integration ${i + 1}`, role: 'manager' });
    const c = await post('/oauth2/clients', { name: `Integration ${i + 1}`, client_type: 'confidential', scopes, service_account_id: sa.id });
    clients.push({ id: c.id!, secret: c.client_secret!, scopes });
  }

  // The yardstick: the same request parsed, a token response of the same shape answered from memory.
  const bare = Fastify({ logger: false });
  bare.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, new URLSearchParams(body as string)));
  bare.post('/token', async (req, reply) => {
    const form = req.body as URLSearchParams;
    if (form.get('grant_type') !== 'client_credentials' || !req.headers.authorization) return reply.code(400).send({ error: 'invalid_request' });
    return reply.header('cache-control', 'no-store').send({ access_token: randomBytes(32).toString('base64url'), expires_in: 3600, token_type: 'Bearer', scope: form.get('scope') });
  });
  await bare.listen({ port: 0, host: '127.0.0.1' });
  announceReady({ origin, bare: `http://127.0.0.1:${(bare.server.address() as { port: number }).port}`, clients } satisfies Ready, async () => {
    await bare.close();
    await app.close();
    await cleanup();
  });
}

/** One integration's token request for some of its scopes (or for `scope`). */
function tokenRequest(clients: Integration[], scope?: string) {
  const c = clients[Math.floor(Math.random() * clients.length)]!;
  const some = c.scopes.filter(() => Math.random() < 0.6);
  scope ??= (some.length > 0 ? some : [c.scopes[0]!]).join(' ');
  return {
    method: 'POST' as const,
    headers: {
      authorization: `Basic ${Buffer.from(`${c.id}:${c.secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
  };
}

async function main() {
  const { default: autocannon } = await import('autocannon');
  const duration = numberFlag('duration', 5);
  const rounds = numberFlag('rounds', 3);
  const connections = numberFlag('connections', 32);
  const { ready, child } = await serveChild<Ready>(fileURLToPath(import.meta.url));
  // It answers with a token the API accepts (every integration may read findings).
  const probe = await fetch(`${ready.origin}/api/v1/auth/oauth2/token`, tokenRequest(ready.clients, 'findings:read'));
  const issued = (await probe.json()) as { access_token?: string };
  if (!issued.access_token) throw new Error(`token endpoint: ${probe.status} ${JSON.stringify(issued)}`);
  const check = await fetch(`${ready.origin}/api/v1/findings?limit=1`, { headers: { authorization: `Bearer ${issued.access_token}` } });
  if (check.status !== 200) throw new Error(`the issued token was refused: ${check.status}`);

  const scenarios = [
    { name: 'token', url: `${ready.origin}/api/v1/auth/oauth2/token` },
    { name: 'bare', url: `${ready.bare}/token` },
  ];
  // A fresh integration and scope set for every request.
  const run = (url: string, c: number, seconds: number) =>
    autocannon({ url, connections: c, duration: seconds, requests: [{ setupRequest: (req: object) => ({ ...req, ...tokenRequest(ready.clients) }) }] });
  log(`warming up (${Math.min(duration, 3)} s each)…`);
  for (const s of scenarios) await run(s.url, 4, Math.min(duration, 3));

  const stats = roundStats();
  for (let r = 1; r <= rounds; r++) {
    for (const s of [...scenarios].sort(() => Math.random() - 0.5)) {
      const out = await run(s.url, connections, duration);
      stats.add(s.name, out);
      log(`round ${r}: ${s.name} ${Math.round(out.requests.average)} req/s, p99 ${out.latency.p99} ms`);
    }
  }
  child.kill('SIGTERM');
  console.log(`\nPOST /api/v1/auth/oauth2/token (client_credentials, ${ready.clients.length} clients, random scopes) vs a bare Fastify route: ${connections} connections, ${duration} s × ${rounds} rounds (medians), ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${os.cpus().length} CPUs`);
  console.log('scenario  req/s  p50 ms  p99 ms  errors');
  for (const s of scenarios) {
    const [rps, p50, p99, errors] = stats.cells(s.name);
    console.log(`${s.name.padEnd(8)} ${rps!.padStart(6)}  ${p50!.padStart(6)}  ${p99!.padStart(6)}  ${errors!.padStart(6)}`);
  }
}

if (process.argv.includes('--serve')) await serve();
else await main();
