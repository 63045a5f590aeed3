/**
 * Prints EXPLAIN (ANALYZE, BUFFERS) of the statements the benchmark scenarios run, built by the
 * same code the server uses, as the application role inside the newest bench tenant.
 *
 *   DATABASE_URL=postgres://…/db npx tsx bench/seed.ts     # once
 *   DATABASE_URL=postgres://…/db npx tsx bench/explain.ts [list|search|get|post]…
 *   DATABASE_URL=postgres://…/neuro_workload_100000 npx tsx bench/explain.ts --query='search=session&sort=title'
 *
 * `--query=` explains GET /findings with that query string (as bench/workload.ts sends it).
 */
import { openDatabase, type Queryable } from '../src/db/driver.js';
import { listRows } from '../src/server/lib/list.js';
import { getRow, insertRow } from '../src/server/lib/crud.js';
import { newId } from '../src/server/lib/ids.js';
import { findings } from '../src/server/modules/findings/repo.js';
import { SEARCH_WORD } from './seed.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('set DATABASE_URL to a database seeded by bench/seed.ts');
const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
const listQuery = process.argv.find((a) => a.startsWith('--query='))?.slice('--query='.length);
const db = await openDatabase({ databaseUrl: url, dataDir: '' });

const explaining = (q: Queryable, title: string): Queryable => ({
  async query<R>(sql: string, params?: unknown[]) {
    const plan = await q.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    console.log(`\n-- ${title}\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    return q.query<R>(sql, params);
  },
});

try {
  const tenant = await db.system(async (q) => {
    const { rows } = await q.query<{ id: string }>("SELECT id FROM tenants WHERE slug LIKE 'bench-%' ORDER BY created_at DESC LIMIT 1");
    return rows[0]?.id;
  });
  if (!tenant) throw new Error('no bench tenant: run bench/seed.ts first');
  const run = (name: string) => wanted.length === 0 || wanted.includes(name);
  await db.tenant(tenant, async (q) => {
    const { rows } = await q.query<{ id: string; project_id: string }>('SELECT id, project_id FROM findings WHERE tenant_id = $1 LIMIT 1', [tenant]);
    const sample = rows[0]!;
    if (listQuery !== undefined) {
      const query: Record<string, unknown> = Object.fromEntries(new URLSearchParams(listQuery));
      for (const k of ['page', 'limit']) if (query[k] !== undefined) query[k] = Number(query[k]);
      await listRows(explaining(q, `GET /findings?${listQuery}`), findings, tenant, query);
      return;
    }
    if (run('list')) await listRows(explaining(q, 'severity=High&status=Open&limit=50'), findings, tenant, { severity: 'High', status: 'Open', limit: 50 });
    if (run('search')) await listRows(explaining(q, `search=${SEARCH_WORD}&limit=50`), findings, tenant, { search: SEARCH_WORD, limit: 50 });
    if (run('get')) await getRow(explaining(q, 'GET /findings/{id}'), findings, tenant, sample.id);
    if (run('post')) {
      await q.query('BEGIN');
      await insertRow(explaining(q, 'POST /findings (rolled back)'), findings, tenant, {
        id: newId('find'), project_id: sample.project_id, title: 'Explained', severity: 'High', tags: ['bench-post'],
      });
      await q.query('ROLLBACK');
    }
  });
} finally {
  await db.close();
}
