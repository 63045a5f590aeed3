import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { foldCounters } from '../../src/server/modules/findings/counter-fold.js';
import { wordsOf } from '../../src/server/modules/findings/repo.js';
import { client, setup, teardown, type Setup } from '../helpers/index.js';

/**
 * The total of a search for several words, some of them negated, is counted off the words'
 * bitmaps (finding_word_bits, 0022_finding_word_bits.sql), with a creation date range off the
 * days' bitmaps (0023_finding_day_bits.sql): it must equal count(*) of the same
 * search through every kind of write, and the bitmaps must equal those recomputed from the
 * findings (the XOR of a chunk's slots).
 */
let s: Setup;
const projects: string[] = [];
const ids: string[] = [];
const onPostgres = Boolean(process.env.DATABASE_URL);

const SEVERITIES = ['High', 'Low', 'Medium', 'Critical'];
const TAGS = [['web'], ['web', 'auth'], [], ['internal']];
const SEARCHES = ['login redirect', 'login -redirect', 'session fixation', 'injection login -csrf', 'cookie session -xss', 'token cookie header'];
/** Creation times the findings are moved to (DAYS), and the ranges listed over them. */
const DAYS = ['2026-03-01T00:00:00Z', '2026-03-01T00:00:00.000400Z', '2026-03-01T23:59:59.999Z', '2026-03-02T08:00:00Z', '2026-03-05T12:30:00Z', '2026-03-31T23:59:59Z', '2026-04-01T00:00:00Z'];
const DATE_RANGES: [string, string][] = [
  ['2026-03-01', ''], ['2026-03-01', '2026-03-05'], ['', '2026-03-02'], ['2026-02-28', '2026-04-01'],
  ['2026-03-01T00:00:00Z', '2026-03-02T08:00:00Z'], ['2026-03-01T10:00:00Z', '2026-03-05T12:00:00Z'], ['2026-03-02T08:00:00Z', '2026-03-31T23:59:59.500Z'],
  ['2026-03-05T12:00:00Z', '2026-03-05T13:00:00Z'], ['2026-03-05T13:00:00Z', '2026-03-05T12:00:00Z'], ['', '2026-03-01T00:00:00.001Z'],
];
/** A bare date is midnight UTC, as the API reads it. */
const utc = (time: string) => (time.length === 10 ? `${time}T00:00:00Z` : time);
const TEXTS = [
  ['SQL injection in login', 'The login form builds its query from the user name.'],
  ['Open redirect after login', 'The next parameter is followed without a check.'],
  ['Session fixation', 'The session cookie survives the login.'],
  ['Reflected XSS in search', 'The search term is written into the page; the session cookie is not HttpOnly.'],
  ['Missing CSRF token', 'The login form and the profile form take no token; the cookie has no SameSite header.'],
];

beforeAll(async () => {
  s = await setup();
  for (let i = 0; i < 2; i++) projects.push((await s.make.project()).id);
});
afterAll(() => teardown(s));

const tenantQuery = <R>(sql: string, params: unknown[]) => s.server.db.tenant(s.tenant.id, (q) => q.query<R>(sql, params));

/** Lists whose totals the bitmaps count, with the conditions that select the same findings ($2 the search). */
function cases(): { path: string; search: string; where: string }[] {
  const p0 = projects[0]!;
  return [
    ...SEARCHES.map((search) => ({ path: '/findings', search, where: 'true' })),
    { path: '/findings?tag=web', search: 'session', where: "tags @> '{web}'" },
    { path: '/findings?tag=web,auth&severity=High,Low', search: 'login redirect', where: "tags @> '{web,auth}' AND severity IN ('High', 'Low')" },
    { path: '/findings?status=Open&tag=web', search: 'login -csrf', where: "status = 'Open' AND tags @> '{web}'" },
    { path: `/findings?project_id=${p0}`, search: 'cookie', where: `project_id = '${p0}'` },
    { path: `/findings?project_id=${p0}&severity=Medium`, search: 'token cookie', where: `project_id = '${p0}' AND severity = 'Medium'` },
    { path: `/projects/${p0}/findings`, search: 'login -redirect', where: `project_id = '${p0}'` },
    { path: `/projects/${p0}/findings?project_id=${projects[1]}`, search: 'login', where: 'false' },
    // Creation dates (the findings are spread over DAYS below): a date starts 1 ms into its day
    // (created_after is "after", to the millisecond), a time in the middle of one, open ends.
    ...DATE_RANGES.map(([after, before], i) => ({
      path: `/findings?${[after && `created_after=${after}`, before && `created_before=${before}`].filter(Boolean).join('&')}${
        i % 3 === 1 ? '&tag=web' : i % 3 === 2 ? `&project_id=${p0}&status=Open,Confirmed` : ''}`,
      // Single words (counted by finding_terms without a date) and several, some negated.
      search: i % 2 ? SEARCHES[i % SEARCHES.length]!.replace(/ .*/, '') : SEARCHES[i % SEARCHES.length]!,
      where: [after && `created_at >= '${utc(after)}'::timestamptz + interval '1 ms'`, before && `created_at < '${utc(before)}'::timestamptz`,
        i % 3 === 1 ? "tags @> '{web}'" : i % 3 === 2 ? `project_id = '${p0}' AND status IN ('Open', 'Confirmed')` : 'true'].filter(Boolean).join(' AND '),
    })),
  ];
}

/** Every case's meta.total against count(*), and the bitmaps against the findings. */
async function expectExact(stage: string) {
  const mismatches: string[] = [];
  for (const c of cases()) {
    const res = await s.api.get(`${c.path}${c.path.includes('?') ? '&' : '?'}limit=1&search=${encodeURIComponent(c.search)}`);
    const { rows } = await tenantQuery<{ n: number }>(
      `SELECT count(*)::int AS n FROM findings WHERE tenant_id = $1 AND search @@ websearch_to_tsquery('english', $2) AND ${c.where}`, [s.tenant.id, c.search]);
    if (res.status !== 200 || res.body.meta.total !== rows[0]!.n) mismatches.push(`${c.path} ${c.search}: got ${res.status} ${res.body.meta?.total}, want ${rows[0]!.n}`);
  }
  const { rows } = await tenantQuery<{ n: number }>(
    `WITH want AS (SELECT x.kind, x.term, f.seq / 256 AS chunk, bit_xor(finding_bit(f.seq)) AS b
                     FROM findings f, finding_bit_terms(f.search, f.tags, f.severity, f.status, f.project_id, f.created_at) x
                    WHERE f.tenant_id = $1 GROUP BY 1, 2, 3),
          have AS (SELECT kind, term, chunk, bit_xor(bits) AS b FROM finding_word_bits WHERE tenant_id = $1 GROUP BY 1, 2, 3)
     SELECT count(*)::int AS n FROM want FULL JOIN have USING (kind, term, chunk)
      WHERE coalesce(want.b, B'0'::bit(256)) <> coalesce(have.b, B'0'::bit(256))`, [s.tenant.id]);
  if (rows[0]!.n !== 0) mismatches.push(`${rows[0]!.n} chunks differ from the findings`);
  expect(mismatches, stage).toEqual([]);
}

async function createMany(n: number, offset = 0) {
  const made = await Promise.all(Array.from({ length: n }, (_, k) => {
    const [title, description] = TEXTS[(offset + k) % TEXTS.length]!;
    const i = offset + k;
    return s.api.post('/findings', {
      project_id: projects[i % 2], title: `${title} #${i}`, description, severity: SEVERITIES[i % 4], status: i % 3 === 0 ? 'Confirmed' : 'Open', tags: TAGS[i % 4],
    });
  }));
  expect(made.map((r) => r.status).filter((c) => c !== 201)).toEqual([]);
  ids.push(...made.map((r) => r.body.data.id as string));
}

describe('the word bitmaps', () => {
  it('take only searches of words joined by AND, some negated; everything else is counted as before', () => {
    expect(wordsOf("'session'")).toEqual({ all: ['session'], none: [] });
    expect(wordsOf("'cooki' & 'session'")).toEqual({ all: ['cooki', 'session'], none: [] });
    expect(wordsOf("'xss' & !'store'")).toEqual({ all: ['xss'], none: ['store'] });
    expect(wordsOf("'a' & 'a' & !'b'")).toEqual({ all: ['a'], none: ['b'] });
    for (const q of ["!'store'", "'sql' <-> 'inject'", "'a' | 'b'", "( 'a' | 'b' ) & 'c'", "'a' & !'a'", "!'a' & !'b'", "'it''s' & 'a'", "'a\\\\b' & 'c'", "'a':* & 'b'", ''])
      expect(wordsOf(q), q).toBeUndefined();
  });

  it('count exactly through creates, text edits, status edits, deletes and a project delete', async () => {
    await createMany(40);
    await expectExact('after creates');

    // Text edits add and remove words; edits of severity, status, tags and project move findings between bitmaps.
    for (const [i, id] of ids.slice(0, 12).entries()) {
      const [title, description] = TEXTS[(i + 2) % TEXTS.length]!;
      expect((await s.api.put(`/findings/${id}`, { title: `${title} (edited)`, description })).status).toBe(200);
    }
    await expectExact('after text edits');
    for (const [i, id] of ids.slice(8, 20).entries()) {
      expect((await s.api.put(`/findings/${id}`, i % 2 ? { status: 'Remediated', tags: TAGS[(i + 1) % 4] } : { severity: 'Info' })).status).toBe(200);
    }
    await expectExact('after severity, status and tag edits');
    // A CWE edit changes no bitmap row.
    const snapshot = () => tenantQuery<{ rows: string }>(
      "SELECT string_agg(concat_ws(' ', kind, term, chunk, slot, bits), ',' ORDER BY kind, term, chunk, slot) AS rows FROM finding_word_bits WHERE tenant_id = $1", [s.tenant.id]);
    const before = await snapshot();
    for (const id of ids.slice(12, 20)) expect((await s.api.put(`/findings/${id}`, { cwe: 'CWE-79' })).status).toBe(200);
    const after = await snapshot();
    expect(after.rows[0]!.rows).toBe(before.rows[0]!.rows);

    for (const id of ids.splice(20, 6)) expect((await s.api.del(`/findings/${id}`)).status).toBe(204);
    await expectExact('after deletes');
    const extra = (await s.make.project()).id;
    for (const [title, description] of TEXTS) await s.make.finding(extra, { title, description });
    await expectExact('with a third project');
    expect((await s.api.del(`/projects/${extra}`)).status).toBe(204);
    await expectExact('after a project delete');

    // Creation times moved across days (not as the API writes them: a day's bits flip in the update).
    await tenantQuery(`UPDATE findings f SET created_at = (${"$"}2::timestamptz[])[1 + x.k % cardinality(${"$"}2::timestamptz[])]
                         FROM (SELECT id, row_number() OVER (ORDER BY seq) AS k FROM findings WHERE tenant_id = ${"$"}1) x
                        WHERE f.tenant_id = ${"$"}1 AND f.id = x.id AND x.k % 5 <> 0`, [s.tenant.id, DAYS]);
    await expectExact('after creation times moved');

    await foldCounters(s.server.db, s.tenant.id);
    await expectExact('after a fold');
  });

  it("count the current tenant's findings only", async () => {
    const other = await s.server.createTenant();
    const api2 = client(s.server.url, other.token);
    const p = (await api2.post('/projects', { name: 'theirs' })).body.data.id;
    for (const [title, description] of TEXTS) expect((await api2.post('/findings', { project_id: p, title, description, severity: 'Low' })).status).toBe(201);
    expect((await api2.get(`/findings?search=${encodeURIComponent('login -redirect')}`)).body.meta.total).toBe(3);
    await expectExact('beside another tenant');
  });

  // The embedded database runs one statement at a time, so only PostgreSQL can interleave them.
  it.runIf(onPostgres)('count exactly after concurrent creates, text edits and deletes, with folds among them', async () => {
    let writing = true;
    const folding = (async () => {
      while (writing) await foldCounters(s.server.db, s.tenant.id);
    })();
    const writes = [];
    for (let i = 0; i < 90; i++) {
      const [title, description] = TEXTS[i % TEXTS.length]!;
      const id = ids[i % ids.length]!;
      writes.push(i % 3 === 0
        ? s.api.post('/findings', { project_id: projects[i % 2], title: `${title} ${i}`, description, severity: 'Medium' })
        : i % 3 === 1
          ? s.api.put(`/findings/${id}`, { title: `${TEXTS[(i + 1) % TEXTS.length]![0]} ${i}`, description: TEXTS[(i + 3) % TEXTS.length]![1] })
          : s.api.put(`/findings/${id}`, { status: 'Remediated' }));
    }
    const results = await Promise.all(writes);
    writing = false;
    await folding;
    expect(results.map((r) => r.status).filter((c) => ![200, 201].includes(c))).toEqual([]);
    await expectExact('after concurrent writes');
  });
});
