import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldCounters } from '../../src/server/modules/findings/counter-fold.js';
import { setup, teardown, type Setup } from '../helpers/index.js';

/**
 * finding_weeks (0016_finding_weeks.sql) counts findings per week of creation, severity and status.
 * A list filtered by creation dates takes its total from it, and a deep page in creation order
 * starts in the week the counters point to instead of walking every row before it (in severity or
 * status order, in the group finding_counts points to). Pages and totals must be exactly what a
 * count and a walk would give, after every kind of change.
 */
let s: Setup;
let other: Setup;
let project: string;
const ROWS = 2_600;
const onPostgres = Boolean(process.env.DATABASE_URL);

beforeAll(async () => {
  [s, other] = await Promise.all([setup(), setup()]);
  project = (await s.make.project()).id;
  // Spread over 13 weeks from a Monday (2026-01-05), some at a week's first instant, with ties in time.
  const insert = (t: Setup, projectId: string, prefix: string, n: number) => t.server.db.tenant(t.tenant.id, (q) =>
    q.query(
      `INSERT INTO findings (tenant_id, id, project_id, title, severity, status, tags, cvss_score, updated_at, created_at)
       SELECT $1, $2 || lpad(g::text, 6, '0'), $3, 'Weekly finding ' || g,
              (ARRAY['Critical', 'High', 'Medium', 'Low', 'Info'])[1 + g % 5],
              (ARRAY['Open', 'Confirmed', 'Remediated'])[1 + g % 3],
              CASE g % 4 WHEN 0 THEN ARRAY['web'] WHEN 1 THEN ARRAY['web', 'api'] WHEN 2 THEN '{}'::text[] ELSE ARRAY['api'] END,
              -- Scores 0.0-10.0 and none, each on many findings; updates over 13 weeks, some at a week's first instant.
              CASE WHEN g % 9 = 0 THEN NULL ELSE ((g * 37) % 101) / 10.0 END,
              CASE WHEN g % 11 = 0 THEN timestamptz '2026-01-05T00:00:00Z' + ((g / 11) % 13) * interval '7 days'
                   ELSE timestamptz '2026-01-05T00:00:00Z' + ((g * 13) % 90) * interval '1 day' + (g % 5) * interval '1 hour' END,
              timestamptz '2026-01-05T00:00:00Z' + (g / 2) * interval '1 hour' * (CASE WHEN g % 7 = 0 THEN 0 ELSE 1 END)
                                                  + (g % 7 = 0)::int * ((g / 7) % 13) * interval '7 days'
         FROM generate_series(1, $4::int) g`,
      [t.tenant.id, prefix, projectId, n],
    ));
  await insert(s, project, 'find_week', ROWS);
  await insert(other, (await other.make.project()).id, 'find_othr', 700);
});
afterAll(() => Promise.all([teardown(s), teardown(other)]));

const ORDER_COLUMNS: Record<string, string> = {
  created_at: 'created_at', severity: 'severity_rank', status: 'status_rank', title: 'lower(title)', cvss_score: 'cvss_key', updated_at: 'updated_at',
};

async function truth(where: string[], params: unknown[], order: 'asc' | 'desc', offset: number, limit: number, sort = 'created_at') {
  const all = ['tenant_id = $1', ...where];
  return s.server.db.tenant(s.tenant.id, async (q) => {
    const total = (await q.query<{ n: number }>(`SELECT count(*)::int AS n FROM findings WHERE ${all.join(' AND ')}`, [s.tenant.id, ...params])).rows[0]!.n;
    const ids = (await q.query<{ id: string }>(
      `SELECT id FROM findings WHERE ${all.join(' AND ')} ORDER BY ${ORDER_COLUMNS[sort]} ${order}, id ${order} LIMIT ${limit} OFFSET ${offset}`,
      [s.tenant.id, ...params])).rows.map((r) => r.id);
    return { total, ids };
  });
}

/** The list's filters as SQL over findings (severity and status only here). */
function sqlOf(query: Record<string, string>): [string[], unknown[]] {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.severity) where.push(`severity = ANY($${params.push(query.severity.split(',')) + 1})`);
  if (query.status) where.push(`status = ANY($${params.push(query.status.split(',')) + 1})`);
  if (query.tag) where.push(`tags @> $${params.push(query.tag.split(',')) + 1}::text[]`);
  return [where, params];
}

const FILTERS: Record<string, string>[] = [
  {}, { severity: 'High' }, { severity: 'Critical,Low', status: 'Open' }, { status: 'Remediated,Confirmed' }, { tag: 'web' },
  { tag: 'api', severity: 'Medium,High,Info' }, { tag: 'web,api' },
];

/**
 * Deep pages (past lib/list.ts SKIP_FROM) against a walk in SQL: in each order the counters skip
 * through (creation weeks, severity, status, and from finding_sort_counts scores and update weeks),
 * and in orders they do not (title), read from the nearer end of the list.
 */
async function expectDeepPagesExact(stage: string) {
  const mismatches: string[] = [];
  const lists = [
    ['/findings', 'created_at'], ['/findings', 'severity'], [`/projects/${project}/findings`, 'status'],
    ['/findings', 'title'], ['/findings', 'cvss_score'], [`/projects/${project}/findings`, 'updated_at'], ['/findings', 'updated_at'],
  ] as const;
  for (const [base, sort] of lists) {
    for (const filters of FILTERS) {
      for (const order of ['desc', 'asc'] as const) {
        for (const [page, limit] of [[21, 50], [12, 100], [40, 25], [26, 100], [400, 50]] as const) {
          const qs = new URLSearchParams({ ...filters, ...(sort === 'created_at' ? {} : { sort }), order, limit: String(limit), page: String(page) });
          const res = await s.api.get(`${base}?${qs}`);
          const [where, params] = sqlOf(filters);
          const want = await truth(where, params, order, (page - 1) * limit, limit, sort);
          const got = res.status === 200 ? res.body.data.map((r: { id: string }) => r.id) : res.text;
          if (JSON.stringify(got) !== JSON.stringify(want.ids) || res.body.meta?.total !== want.total) {
            mismatches.push(`${base}?${qs}: ${res.status} total ${res.body.meta?.total}/${want.total}, ids ${JSON.stringify(got).slice(0, 80)} want ${JSON.stringify(want.ids).slice(0, 80)}`);
          }
        }
      }
    }
  }
  expect(mismatches, stage).toEqual([]);
}

const RANGES: Record<string, string>[] = [
  { created_after: '2026-01-10' },
  { created_before: '2026-02-02' },
  { created_after: '2026-01-05', created_before: '2026-03-02' },
  { created_after: '2026-01-04T23:59:59.999Z', created_before: '2026-01-12T00:00:00Z' },
  { created_after: '2026-01-13T05:00:00Z', created_before: '2026-01-14' },
  { created_after: '2026-01-20', created_before: '2026-01-13' },
  { created_after: '2026-02-09T00:00:00.000Z', severity: 'Medium,Info' },
  { created_before: '2026-01-26T00:00:00.001Z', status: 'Open', severity: 'Critical' },
  { created_after: '2027-01-01' },
  { created_after: '2026-01-10', tag: 'web' },
  { created_after: '2026-01-05', created_before: '2026-03-02', tag: 'api', status: 'Open,Remediated' },
  { created_after: '2026-01-13T05:00:00Z', created_before: '2026-01-14', tag: 'web' },
  { created_before: '2026-02-02', tag: 'web,api' },
  { created_before: '2026-02-02', tag: 'nowhere' },
  // Short ranges are counted from the days' bitmaps (0023), long ones from the weeks.
  { created_after: '2026-01-06T12:00:00Z', created_before: '2026-02-02', tag: 'web,api', severity: 'High,Low' },
  { created_after: '2026-01-01', created_before: '2026-04-10' },
  { created_after: '2026-01-01', created_before: '2026-04-10', status: 'Confirmed', tag: 'api' },
];

async function expectRangeTotalsExact(stage: string) {
  const mismatches: string[] = [];
  for (const range of RANGES) {
    const qs = new URLSearchParams({ ...range, limit: '1' });
    const res = await s.api.get(`/findings?${qs}`);
    const [where, params] = sqlOf(range);
    // created_after is strictly after, at the API's millisecond precision (lib/list.ts after()).
    if (range.created_after) where.push(`created_at >= $${params.push(new Date(Date.parse(range.created_after.length === 10 ? `${range.created_after}T00:00:00Z` : range.created_after) + 1).toISOString()) + 1}`);
    if (range.created_before) where.push(`created_at < $${params.push(range.created_before.length === 10 ? `${range.created_before}T00:00:00Z` : range.created_before) + 1}`);
    const want = await truth(where, params, 'desc', 0, 1);
    if (res.status !== 200 || res.body.meta.total !== want.total) mismatches.push(`${qs}: ${res.status} ${res.body.meta?.total} want ${want.total}`);
    if (res.status === 200 && JSON.stringify(res.body.data.map((r: { id: string }) => r.id)) !== JSON.stringify(want.ids)) mismatches.push(`${qs}: first row`);
  }
  expect(mismatches, stage).toEqual([]);
}

/** finding_sort_counts (0024) against counts of the findings themselves. */
async function expectSortCountersExact(stage: string) {
  const { rows } = await s.server.db.tenant(s.tenant.id, (q) => q.query(
    `SELECT sort, key, severity, status
       FROM (SELECT k.sort, k.key, severity, status, count(*) AS n FROM findings, finding_sort_keys(cvss_key, updated_at) k GROUP BY 1, 2, 3, 4) x
       FULL JOIN (SELECT sort, key, severity, status, sum(n) AS n FROM finding_sort_counts GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0) c
            USING (sort, key, severity, status)
      WHERE x.n IS DISTINCT FROM c.n`));
  expect(rows, `${stage}: score and update counters that differ from the findings`).toEqual([]);
}

describe('finding_weeks: deep pages and date-range totals', () => {
  it('gives the exact page and total at every depth, in both orders, with severity and status filters', async () => {
    await expectDeepPagesExact('as inserted');
  });

  it('gives exact totals for creation-date ranges, whole weeks or not, open at either end', async () => {
    await expectRangeTotalsExact('as inserted');
  });

  it('stays exact after status, severity and tag changes, creates through the API, and deletes', async () => {
    const list = await s.api.get('/findings?limit=100&page=5&order=asc');
    for (const [i, f] of (list.body.data as { id: string }[]).entries()) {
      const change = [{ status: 'Verified' }, { severity: 'Critical', title: 'Changed' }, { tags: ['web', 'retest'] }, { tags: [] }][i % 4];
      const res = await s.api.put(`/findings/${f.id}`, change);
      expect(res.status, res.text).toBe(200);
    }
    for (let i = 0; i < 5; i++) await s.make.finding(project, { title: `New one ${i}`, severity: 'High' });
    const gone = await s.api.get('/findings?limit=60&page=30&severity=High');
    for (const f of gone.body.data as { id: string }[]) expect((await s.api.del(`/findings/${f.id}`)).status).toBe(204);
    await expectDeepPagesExact('after changes');
    await expectRangeTotalsExact('after changes');
    const { rows } = await s.server.db.tenant(s.tenant.id, (q) => q.query(
      `SELECT tag, week, severity, status FROM finding_weeks GROUP BY 1, 2, 3, 4 HAVING sum(n) < 0
       UNION ALL
       SELECT tag, week, severity, status
         FROM (SELECT t AS tag, finding_week(created_at) AS week, severity, status, count(*) AS n
                 FROM findings, finding_week_tags(tags) t GROUP BY 1, 2, 3, 4) x
         FULL JOIN (SELECT tag, week, severity, status, sum(n) AS n FROM finding_weeks GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0) w
              USING (tag, week, severity, status)
        WHERE x.n IS DISTINCT FROM w.n`));
    expect(rows, 'counters that differ from the findings').toEqual([]);
    await expectSortCountersExact('after changes');
  });

  // The embedded database runs one statement at a time, so only PostgreSQL can interleave them.
  it.runIf(onPostgres)('keeps the score and update counters exact through a burst of concurrent edits and creates, with folds among them', async () => {
    let writing = true;
    const folding = (async () => {
      while (writing) await foldCounters(s.server.db, s.tenant.id);
    })();
    const page = (await s.api.get('/findings?sort=updated_at&order=asc&limit=60&page=4')).body.data as { id: string }[];
    const results = await Promise.all(page.map((f, i) => i % 3 === 2
      ? s.api.post('/findings', { project_id: project, title: `Burst ${i}`, severity: 'Low', cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' })
      // Each edit moves the finding to this week's update counter; some change its score too.
      : s.api.put(`/findings/${f.id}`, i % 3 ? { status: 'Verified' } : { severity: 'High', cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' })));
    writing = false;
    await folding;
    expect(results.map((r) => r.status).filter((c) => ![200, 201].includes(c))).toEqual([]);
    await expectSortCountersExact('after a concurrent burst');
    await expectDeepPagesExact('after a concurrent burst');
  });

  it("counts only the tenant's own findings", async () => {
    const res = await other.api.get('/findings?limit=50&page=12');
    expect(res.status).toBe(200);
    expect(res.body.meta.total).toBe(700);
    expect(res.body.data.every((f: { id: string }) => f.id.startsWith('find_othr'))).toBe(true);
    const range = await other.api.get('/findings?created_after=2026-01-01&limit=1');
    expect(range.body.meta.total).toBe(700);
  });
});
