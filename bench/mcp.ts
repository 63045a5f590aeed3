/**
 * What the MCP layer costs: the `search_findings` tool against the REST list it wraps, in one run.
 *
 *   npm run bench:mcp -- [--findings=5000] [--connections=1,4,16] [--duration=5] [--rounds=3]
 *
 * Starts its own server as a child process (this file with `--serve`: PGlite in a temporary folder,
 * or a fresh database on BENCH_DATABASE_URL) over a tenant seeded by bench/seed.ts. Then, for each
 * connection count, autocannon drives round after round, in a shuffled order:
 *
 *   rest   GET /api/v1/findings?… with random realistic filters, searches, sorts and pages
 *   mcp    POST /mcp, tools/call search_findings with arguments drawn from the same distribution
 *
 * with the tenant's API token, and prints p50/p99 and requests/s, and MCP's p99 as a ratio to
 * REST's taken within each round (medians over rounds: the machine may be busy with other work).
 */
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { announceReady, benchDatabase, flag, log, median, numberFlag, roundStats, serveChild } from './lib.js';

interface Ready {
  origin: string;
  token: string;
  projects: string[];
  findings: number;
}

async function serve() {
  const { buildApp } = await import('../src/server/app.js');
  const { seed } = await import('./seed.js');

  const { config, db, secret, cleanup } = await benchDatabase('neuro-bench-mcp');
  const seeded = await seed(db, secret, numberFlag('findings', 5000), log);
  const app = await buildApp({ config, db, secret });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const ready: Ready = { origin: `http://127.0.0.1:${port}`, token: seeded.token, projects: seeded.projects, findings: seeded.findings };
  announceReady(ready, async () => {
    await app.close();
    await cleanup();
  });
}

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Info'];
const STATUSES = ['Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive'];
const SEARCHES = ['sql injection', 'cross-site scripting', 'login form', 'deserialization', 'access control', 'password reset', 'tls'];
const SORTS = ['created_at', 'updated_at', 'severity', 'cvss_score', 'title'];

/** What someone (or a model) asks the findings list: a filter or two, sometimes a search, a page. */
function randomQuery(projects: string[]): Record<string, string | number> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  const some = (xs: readonly string[]) => [...new Set(Array.from({ length: 1 + Math.floor(Math.random() * 2) }, () => pick(xs)))].join(',');
  const q: Record<string, string | number> = {};
  if (Math.random() < 0.5) q.severity = some(SEVERITIES);
  if (Math.random() < 0.5) q.status = some(STATUSES);
  if (Math.random() < 0.3) q.project_id = pick(projects);
  if (Math.random() < 0.3) q.search = pick(SEARCHES);
  if (Math.random() < 0.4) q.sort = pick(SORTS);
  if (Math.random() < 0.3) q.order = pick(['asc', 'desc']);
  q.limit = pick([10, 25, 50]);
  q.page = Math.random() < 0.7 ? 1 : 2 + Math.floor(Math.random() * 4);
  return q;
}

async function main() {
  const { default: autocannon } = await import('autocannon');
  const duration = numberFlag('duration', 5);
  const rounds = numberFlag('rounds', 3);
  const connectionCounts = (flag('connections') ?? '1,4,16').split(',').map(Number);
  const { ready, child } = await serveChild<Ready>(fileURLToPath(import.meta.url));
  const auth = { authorization: `Bearer ${ready.token}` };
  const restRequest = () => ({ method: 'GET' as const, path: `/api/v1/findings?${new URLSearchParams(Object.entries(randomQuery(ready.projects)).map(([k, v]) => [k, String(v)]))}`, headers: auth });
  let rpcId = 0;
  const mcpRequest = () => ({
    method: 'POST' as const,
    path: '/mcp',
    headers: { ...auth, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method: 'tools/call', params: { name: 'search_findings', arguments: randomQuery(ready.projects) } }),
  });
  const scenarios = [
    { name: 'rest', request: restRequest },
    { name: 'mcp', request: mcpRequest },
  ];
  // Both answer, and answer the same findings for the same question.
  const sample = { severity: 'High', status: 'Open', limit: 5 };
  const rest = await (await fetch(`${ready.origin}/api/v1/findings?severity=High&status=Open&limit=5`, { headers: auth })).json() as { data: { id: string }[] };
  const mcp = await fetch(`${ready.origin}/mcp`, { method: 'POST', headers: mcpRequest().headers, body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: 'search_findings', arguments: sample } }) });
  const text = await mcp.text();
  const message = JSON.parse(text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)![1]!) as { result: { content: { text: string }[] } };
  const tool = JSON.parse(message.result.content[0]!.text) as { findings: { id: string }[] };
  if (JSON.stringify(tool.findings.map((f) => f.id)) !== JSON.stringify(rest.data.map((f) => f.id))) throw new Error('MCP and REST disagree');

  const run = (s: (typeof scenarios)[number], connections: number, seconds: number) =>
    autocannon({
      url: ready.origin,
      connections,
      duration: seconds,
      // A fresh random question for every request.
      requests: [{ setupRequest: (req: object) => ({ ...req, ...s.request() }) }],
    });
  log(`warming up (${Math.min(duration, 3)} s each)…`);
  for (const s of scenarios) await run(s, 4, Math.min(duration, 3));

  const table: string[] = [];
  for (const connections of connectionCounts) {
    const stats = roundStats();
    const ratios: number[] = [];
    for (let r = 1; r <= rounds; r++) {
      const p99 = new Map<string, number>();
      for (const s of [...scenarios].sort(() => Math.random() - 0.5)) {
        const out = await run(s, connections, duration);
        stats.add(s.name, out);
        p99.set(s.name, out.latency.p99);
      }
      ratios.push(p99.get('mcp')! / p99.get('rest')!);
      log(`${connections} connections, round ${r}: p99 rest ${p99.get('rest')} ms, mcp ${p99.get('mcp')} ms`);
    }
    for (const s of scenarios) {
      const [rps, p50, p99, errors] = stats.cells(s.name);
      table.push(
        `${String(connections).padStart(11)}  ${s.name.padEnd(8)} ${rps!.padStart(6)}  ${p50!.padStart(6)}  ${p99!.padStart(6)}` +
          `  ${(s.name === 'mcp' ? median(ratios).toFixed(2) : '1.00').padStart(15)}  ${errors!.padStart(6)}`,
      );
    }
  }
  child.kill('SIGTERM');
  console.log(`\nsearch_findings (MCP) vs GET /findings (REST): ${ready.findings.toLocaleString('en')} findings, ${duration} s × ${rounds} rounds (medians), ${process.env.BENCH_DATABASE_URL ? 'PostgreSQL' : 'PGlite'}, ${os.cpus().length} CPUs`);
  console.log('connections  scenario  req/s  p50 ms  p99 ms  p99 vs REST (×)  errors');
  for (const line of table) console.log(line);
}

if (process.argv.includes('--serve')) await serve();
else await main();
