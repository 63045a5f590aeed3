// scratch: planning vs execution of list statements (not to commit)
import pg from 'pg';
import { listRows } from '../src/server/lib/list.js';
import { findings } from '../src/server/modules/findings/repo.js';
const url = 'postgres://postgres@127.0.0.1:5432/neuro_workload_100000';
const c = new pg.Client({ connectionString: url });
await c.connect();
const tenant = (await c.query("SELECT id FROM tenants WHERE slug LIKE 'bench-%' ORDER BY created_at DESC LIMIT 1")).rows[0].id;
await c.query(`SELECT set_config('app.tenant_id', $1, false)`, [tenant]);
await c.query('SET ROLE neuro_app');
const queries = (process.argv[2] ?? 'limit=50;severity=High&status=Open&limit=50;sort=cvss_score&order=desc&limit=50;tag=web&limit=50').split(';');
for (const qs of queries) {
  let captured: { sql: string; params: unknown[] } | undefined;
  const cap = { query: async (sql: string, params?: unknown[]) => { captured = { sql, params: params ?? [] }; return (await c.query(sql, params)) as any; } };
  const query: Record<string, unknown> = Object.fromEntries(new URLSearchParams(qs));
  for (const k of ['page', 'limit']) if (query[k] !== undefined) query[k] = Number(query[k]);
  await listRows(cap as any, findings, tenant, query);
  const { sql, params } = captured!;
  const time = async (f: () => Promise<unknown>, n = 200) => { for (let i = 0; i < 20; i++) await f(); const t = performance.now(); for (let i = 0; i < n; i++) await f(); return (performance.now() - t) / n; };
  const plain = await time(() => c.query(sql, params));
  const name = 'p' + Math.random().toString(36).slice(2);
  await c.query(`SET plan_cache_mode = force_generic_plan`);
  const generic = await time(() => c.query({ name, text: sql, values: params }));
  await c.query(`SET plan_cache_mode = auto`);
  const expl = await c.query(`EXPLAIN (ANALYZE, SUMMARY) ${sql}`, params);
  const pt = expl.rows.map((r) => r['QUERY PLAN']).filter((l: string) => /Planning Time|Execution Time/.test(l)).join(' ');
  console.log(`${qs.padEnd(50)} plain ${plain.toFixed(2)} ms  generic-prepared ${generic.toFixed(2)} ms  ${pt}`);
}
await c.end();
