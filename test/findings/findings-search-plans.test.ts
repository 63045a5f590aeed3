import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setup, teardown, type Setup } from '../helpers/index.js';

/**
 * The two plans of a search (lib/list.ts Plans) select the same page whichever answers: a walk of
 * the sort's index that gives up where the matches cluster at the far end of the order (a word of
 * some titles, sorted by title) and leaves the page to the owner-run lookup, and the lookup with
 * the other filters applied inside it (0015_finding_search_filters.sql). Totals stay exact with
 * every combination of filters.
 */
let s: Setup;
let project: string;
let other: string;
const CLUSTER = 150;
const REST = 1_100;

interface Row { id: string; title: string; severity: string; created_at: string }
let cluster: Row[] = [];

beforeAll(async () => {
  s = await setup();
  project = (await s.make.project()).id;
  other = (await s.make.project()).id;
  // More rows than the walk reads before it gives up (1,000), and the word in the last titles of
  // the title order only: the gate walks (the word is in 12% of the findings) and finds nothing.
  await s.server.db.tenant(s.tenant.id, (q) =>
    q.query(
      `INSERT INTO findings (tenant_id, id, project_id, title, severity, status, description, tags, created_at)
       SELECT $1, 'find_plan' || lpad(g::text, 6, '0'), CASE WHEN g % 4 = 0 THEN $3 ELSE $2 END,
              CASE WHEN g <= $4::int THEN 'Zulu subdomain takeover ' || lpad(g::text, 4, '0') ELSE 'Alpha reflected input ' || lpad(g::text, 4, '0') END,
              (ARRAY['Critical', 'High', 'Medium', 'Low', 'Info'])[1 + g % 5], 'Open',
              'The session cookie lacks the Secure flag.', CASE WHEN g % 3 = 0 THEN ARRAY['web'] ELSE '{}' END,
              timestamptz '2026-01-01' + g * interval '1 hour'
         FROM generate_series(1, $4::int + $5::int) g`,
      [s.tenant.id, project, other, CLUSTER, REST],
    ),
  );
  const res = await s.api.get('/findings?search=takeover&sort=title&order=asc&limit=100');
  expect(res.status, res.text).toBe(200);
  cluster = res.body.data;
});
afterAll(() => teardown(s));

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);

describe('findings search: walk and lookup answer the same', () => {
  it('finds a word clustered at the end of the order, in order, with its exact total', async () => {
    expect(cluster.length).toBe(100);
    const titles = cluster.map((r) => r.title);
    expect(titles).toEqual([...titles].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
    expect(titles.every((t) => t.startsWith('Zulu subdomain takeover'))).toBe(true);
    const res = await s.api.get('/findings?search=takeover&sort=title&order=asc&limit=10&page=3');
    expect(res.body.meta.total).toBe(CLUSTER);
    expect(ids(res.body.data)).toEqual(ids(cluster.slice(20, 30)));
    // Going down, the walk finds them at once: the same rows, the other way round.
    const down = await s.api.get('/findings?search=takeover&sort=title&order=desc&limit=100&page=2');
    expect(down.body.meta.total).toBe(CLUSTER);
    expect(ids(down.body.data).reverse()).toEqual(ids(cluster.slice(0, CLUSTER - 100)));
  });

  it('follows keyset pages through the clustered matches', async () => {
    const first = await s.api.get('/findings?search=takeover&sort=title&order=asc&limit=40');
    const next = await s.api.get(`/findings?search=takeover&sort=title&order=asc&limit=40&after=${first.body.data.at(-1).id}`);
    expect(next.status, next.text).toBe(200);
    expect(ids(next.body.data)).toEqual(ids(cluster.slice(40, 80)));
    expect(next.body.meta.total).toBe(CLUSTER);
  });

  it.each([
    'search=takeover&severity=Critical,Low',
    'search=takeover&status=Open&severity=High',
    'search=takeover&tag=web',
    'search=takeover&created_after=2026-01-03&created_before=2026-01-05T12:00:00Z',
    'search=session&created_after=2026-01-20',
    'search=session&tag=web&severity=Info',
    'search=session&cwe=CWE-79',
    'search=%22subdomain%20takeover%22&sort=created_at&order=asc',
    'search=zulu%20takeover&severity=Medium&sort=cvss_score',
    'search=takeover%20-zulu',
  ])('%s: the total is the rows the list returns, and each page is a slice of them', async (query) => {
    for (const base of ['/findings', `/projects/${project}/findings`]) {
      const all = await s.api.get(`${base}?${query}&limit=100`);
      expect(all.status, all.text).toBe(200);
      const rows: Row[] = all.body.data;
      if (all.body.meta.total <= 100) expect(all.body.meta.total, `${base}?${query}`).toBe(rows.length);
      else expect(rows.length).toBe(100);
      const page = await s.api.get(`${base}?${query}&limit=7&page=2`);
      expect(page.body.meta.total).toBe(all.body.meta.total);
      expect(ids(page.body.data)).toEqual(ids(rows.slice(7, 14)));
    }
  });

  it('counts what a project query and a project path both select', async () => {
    const inOther = await s.api.get(`/findings?search=takeover&project_id=${other}&limit=100`);
    expect(inOther.body.meta.total).toBe(Math.floor(CLUSTER / 4));
    expect(inOther.body.data.length).toBe(inOther.body.meta.total);
    const both = await s.api.get(`/projects/${project}/findings?search=takeover&project_id=${other}`);
    expect(both.body.meta.total).toBe(0);
    expect(both.body.data).toEqual([]);
  });
});

describe('findings search: the gate counts', () => {
  let own: Setup;
  const statements: string[] = [];
  const gateReads = () => statements.filter((sql) => sql.includes('coalesce(min(t.n), 0)')).length;
  beforeAll(async () => {
    own = await setup({ onStatement: (sql) => statements.push(sql) });
  });
  afterAll(() => teardown(own));

  it('are read once per search text, and a count that has moved since changes no answer', async () => {
    const projectId = (await own.make.project()).id;
    const empty = await own.api.get('/findings?search=kerberoasting&limit=5');
    expect(empty.body.meta.total).toBe(0);
    statements.length = 0;
    // The word the gate now counts as in no finding arrives in 1,200 of them.
    await own.server.db.tenant(own.tenant.id, (q) =>
      q.query(
        `INSERT INTO findings (tenant_id, id, project_id, title, severity, status, description, created_at)
         SELECT $1, 'find_gate' || lpad(g::text, 6, '0'), $2, 'Kerberoasting of service account ' || lpad(g::text, 4, '0'),
                'High', 'Open', 'A service ticket is cracked offline.', timestamptz '2026-02-01' + g * interval '1 minute'
           FROM generate_series(1, 1200) g`,
        [own.tenant.id, projectId],
      ),
    );
    for (const query of ['limit=5', 'limit=5&page=3', 'limit=5&sort=title&order=asc', 'limit=50&sort=created_at&order=asc']) {
      const res = await own.api.get(`/findings?search=kerberoasting&${query}`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.meta.total).toBe(1200);
      expect(res.body.data.length).toBe(Number(/limit=(\d+)/.exec(query)![1]));
    }
    const asc = await own.api.get('/findings?search=kerberoasting&limit=50&sort=created_at&order=asc');
    expect(asc.body.data.map((r: Row) => r.id)).toEqual(Array.from({ length: 50 }, (_, i) => `find_gate${String(i + 1).padStart(6, '0')}`));
    expect(gateReads(), 'the gate counts were read again for the same text').toBe(0);
    // Another text is counted once, then known.
    await own.api.get('/findings?search=service+ticket&limit=5');
    await own.api.get('/findings?search=service+ticket&limit=5&page=2');
    expect(gateReads()).toBe(1);
  });
});
