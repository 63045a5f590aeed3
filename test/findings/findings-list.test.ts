import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CVSS31_CRITICAL, CVSS31_MEDIUM, CVSS40_CRITICAL, expectError, setup, teardown, type Setup } from '../helpers/index.js';

let s: Setup;
const f: Record<string, any> = {};
let p1: string, p2: string, a1: string;
let beforeUpdate: string;

beforeAll(async () => {
  s = await setup();
  const { make } = s;
  p1 = (await make.project()).id;
  p2 = (await make.project()).id;
  a1 = (await make.asset(p1)).id;
  f.f1 = await make.finding(p1, { title: 'SQL injection in login', cvss_vector: CVSS31_CRITICAL, cwe: 'CWE-89', tags: ['web'], asset_ids: [a1] });
  f.f2 = await make.finding(p1, { title: 'Stored XSS', severity: 'High', status: 'Confirmed', description: 'Cross-site scripting in comments', tags: ['web', 'stored'] });
  f.f3 = await make.finding(p1, { title: 'Weak TLS ciphers', cvss_vector: CVSS31_MEDIUM, remediation: 'Disable RC4' });
  f.f4 = await make.finding(p2, { title: 'Verbose errors', severity: 'Low', status: 'Remediated', impact: 'Information disclosure', cwe: 'CWE-209' });
  f.f5 = await make.finding(p2, { title: 'banner grabbing', status: 'False Positive' });
  f.f6 = await make.finding(p2, { title: 'Another injection', severity: 'High', cvss_vector: CVSS40_CRITICAL, cwe: 'CWE-89' });
  beforeUpdate = f.f6.updated_at;
  await new Promise((r) => setTimeout(r, 5));
  f.f3 = (await s.api.put(`/findings/${f.f3.id}`, { steps_to_reproduce: 'nmap --script ssl-enum-ciphers' })).body.data;
});
afterAll(() => teardown(s));

const names = (res: { body: { data: { id: string }[] } }) =>
  res.body.data.map((x) => Object.keys(f).find((k) => f[k].id === x.id) ?? x.id);

async function list(query: string) {
  const res = await s.api.get(`/findings?${query}`);
  expect(res.status, res.text).toBe(200);
  // meta.total is exact: it always equals what a full listing shows.
  expect(res.body.meta.total, `${query}: ${res.text}`).toBe(res.body.data.length);
  return names(res);
}

describe('findings: filters', () => {
  it.each([
    ['severity=Critical', ['f1']],
    ['severity=High,Critical', ['f1', 'f2', 'f6']],
    ['severity=High, Critical', ['f1', 'f2', 'f6']],
    ['status=Open', ['f1', 'f3', 'f6']],
    ['status=Open,Confirmed', ['f1', 'f2', 'f3', 'f6']],
    [`status=${encodeURIComponent('False Positive')}`, ['f5']],
    ['status=False+Positive,Remediated', ['f4', 'f5']],
    ['severity=High&status=Open', ['f6']],
    [`project_id=${'P2'}`, ['f4', 'f5', 'f6']],
    [`project_id=P1&severity=High,Critical&status=Open`, ['f1']],
    [`project_id=P1&severity=Info`, []],
    ['project_id=proj_nope', []],
    ['asset_id=A1', ['f1']],
    ['cwe=CWE-89', ['f1', 'f6']],
    ['tag=web', ['f1', 'f2']],
    ['tag=web,stored', ['f2']],
    ['search=injection', ['f1', 'f6']],
    ['search=scripting', ['f2']],
    ['search=RC4', ['f3']],
    ['search=disclosure', ['f4']],
    ['search=%22stored%20xss%22', ['f2']],
    ['search=nothingmatchesthis', []],
    ['search=injection&severity=High', ['f6']],
    ['created_after=2000-01-01', ['f1', 'f2', 'f3', 'f4', 'f5', 'f6']],
    ['created_after=2999-01-01', []],
    ['created_before=2999-12-31', ['f1', 'f2', 'f3', 'f4', 'f5', 'f6']],
    ['created_before=2000-01-01T00:00:00Z', []],
  ])('%s', async (query, expected) => {
    const q = query.replace('P1', p1).replace('P2', p2).replace('A1', a1);
    expect((await list(q)).sort()).toEqual([...expected].sort());
  });

  it('filters on exact creation and update times', async () => {
    const mid = f.f3.created_at;
    expect((await list(`created_after=${mid}`)).sort()).toEqual(['f4', 'f5', 'f6']);
    expect((await list(`created_before=${mid}`)).sort()).toEqual(['f1', 'f2']);
    expect((await list(`created_after=${f.f1.created_at}&created_before=${f.f4.created_at}`)).sort()).toEqual(['f2', 'f3']);
    expect(await list(`updated_after=${beforeUpdate}`)).toEqual(['f3']);
    // An object's own time, as shown, is never "after" itself (the database keeps microseconds).
    for (const [name, x] of Object.entries(f)) {
      expect(await list(`created_after=${x.created_at}`), name).not.toContain(name);
      expect(await list(`created_before=${x.created_at}`), name).not.toContain(name);
    }
    // The same instant written with an offset.
    const d = new Date(mid);
    const local = new Date(d.getTime() + 2 * 3600_000).toISOString().replace('Z', '+02:00');
    expect((await list(`created_after=${encodeURIComponent(local)}`)).sort()).toEqual(['f4', 'f5', 'f6']);
  });

  it.each([
    ['severity', 'critical'], ['severity', 'High,Nope'], ['severity', ','], ['status', 'Closed'], ['status', 'open'],
    ['created_after', 'yesterday'], ['created_after', '2024-13-01'], ['created_after', '2024-02-30'],
    ['created_before', '2024-01-15T25:00:00Z'], ['created_before', '1700000000'], ['updated_after', 'now'],
    ['updated_after', '2024-01-15T10:30:00+25:00'],
  ])('refuses %s=%s with 400', async (field, value) => {
    expectError(await s.api.get(`/findings?${field}=${encodeURIComponent(value)}`), 400, 'VALIDATION_ERROR', [field]);
  });

  it('refuses unknown parameters, and lists every bad one', async () => {
    expectError(await s.api.get('/findings?foo=1'), 400, 'VALIDATION_ERROR', ['foo']);
    expectError(await s.api.get('/findings?sort=q&order=up&limit=0&page=0&bar=2'), 400, 'VALIDATION_ERROR', ['sort', 'order', 'limit', 'page', 'bar']);
    expectError(
      await s.api.get('/findings?severity=x&status=y&created_after=z&created_before=w&updated_after=v'),
      400, 'VALIDATION_ERROR', ['severity', 'status', 'created_after', 'created_before', 'updated_after'],
    );
  });
});

describe('findings: sorting', () => {
  it.each([
    ['sort=severity', ['f1', 'f2|f6', 'f2|f6', 'f3', 'f4', 'f5']],
    ['sort=severity&order=asc', ['f5', 'f4', 'f3', 'f2|f6', 'f2|f6', 'f1']],
    ['sort=cvss_score&order=desc', ['f1', 'f6', 'f3', '*', '*', '*']],
    ['sort=cvss_score&order=asc', ['*', '*', '*', 'f3', 'f6', 'f1']],
    ['sort=title&order=asc', ['f6', 'f5', 'f1', 'f2', 'f4', 'f3']],
    ['sort=title&order=desc', ['f3', 'f4', 'f2', 'f1', 'f5', 'f6']],
    ['sort=status&order=asc', ['f1|f3|f6', 'f1|f3|f6', 'f1|f3|f6', 'f2', 'f4', 'f5']],
    ['sort=status&order=desc', ['f5', 'f4', 'f2', 'f1|f3|f6', 'f1|f3|f6', 'f1|f3|f6']],
    ['sort=created_at&order=asc', ['f1', 'f2', 'f3', 'f4', 'f5', 'f6']],
    ['sort=created_at', ['f6', 'f5', 'f4', 'f3', 'f2', 'f1']],
    ['', ['f6', 'f5', 'f4', 'f3', 'f2', 'f1']],
    ['sort=updated_at&order=desc', ['f3', 'f6', 'f5', 'f4', 'f2', 'f1']],
  ])('%s', async (query, expected) => {
    const got = await list(query);
    expect(got).toHaveLength(6);
    got.forEach((name, i) => {
      if (expected[i] !== '*') expect(expected[i]!.split('|'), `${query} position ${i}: ${got.join(',')}`).toContain(name);
    });
    if (query.startsWith('sort=cvss_score')) {
      const scores = (await s.api.get(`/findings?${query}`)).body.data.map((x: { cvss_score: number | null }) => x.cvss_score);
      expect(scores.filter((x: number | null) => x === null)).toHaveLength(3);
    }
  });

  it.each([['sort', 'name'], ['sort', 'severity_rank'], ['sort', 'id'], ['order', 'up'], ['order', 'ASC']])(
    'refuses %s=%s with 400',
    async (field, value) => {
      expectError(await s.api.get(`/findings?${field}=${value}`), 400, 'VALIDATION_ERROR', [field]);
    },
  );
});

describe('findings: pages', () => {
  it('pages through every finding exactly once', async () => {
    const seen: string[] = [];
    for (let page = 1; page <= 3; page++) {
      const res = await s.api.get(`/findings?limit=2&page=${page}&sort=title&order=asc`);
      expect(res.body.meta).toEqual({ page, limit: 2, total: 6, pages: 3 });
      seen.push(...names(res));
    }
    expect(seen).toEqual(['f6', 'f5', 'f1', 'f2', 'f4', 'f3']);
  });

  it('answers a page beyond the last with no data and the right meta', async () => {
    const res = await s.api.get('/findings?page=7&limit=1');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: [], meta: { page: 7, limit: 1, total: 6, pages: 6 } });
    const filtered = await s.api.get('/findings?page=2&severity=Critical');
    expect(filtered.body).toEqual({ success: true, data: [], meta: { page: 2, limit: 50, total: 1, pages: 1 } });
    const none = await s.api.get('/findings?severity=Critical&status=Verified');
    expect(none.body.meta).toEqual({ page: 1, limit: 50, total: 0, pages: 0 });
  });

  it('accepts limit 1 and 100', async () => {
    const one = await s.api.get('/findings?limit=1');
    expect(one.body.data).toHaveLength(1);
    expect(one.body.meta).toEqual({ page: 1, limit: 1, total: 6, pages: 6 });
    const hundred = await s.api.get('/findings?limit=100');
    expect(hundred.body.meta).toEqual({ page: 1, limit: 100, total: 6, pages: 1 });
  });

  it.each([['limit', '0'], ['limit', '101'], ['limit', '-1'], ['limit', 'abc'], ['limit', '1.5'], ['limit', ''],
    ['page', '0'], ['page', '-1'], ['page', 'abc'], ['page', '2.5']])('refuses %s=%j with 400', async (field, value) => {
    expectError(await s.api.get(`/findings?${field}=${value}`), 400, 'VALIDATION_ERROR', [field]);
  });

  it('applies the same rules to nested lists', async () => {
    expectError(await s.api.get(`/projects/${p1}/findings?limit=101`), 400, 'VALIDATION_ERROR', ['limit']);
    expectError(await s.api.get(`/assets/${a1}/findings?sort=nope`), 400, 'VALIDATION_ERROR', ['sort']);
    const res = await s.api.get(`/projects/${p1}/findings?severity=High,Critical&sort=severity&limit=1`);
    expect(res.body.meta).toEqual({ page: 1, limit: 1, total: 2, pages: 2 });
    expect(names(res)).toEqual(['f1']);
    // A project filter that contradicts the path finds nothing, and says so.
    const contradiction = await s.api.get(`/projects/${p1}/findings?project_id=${p2}`);
    expect(contradiction.body.data).toEqual([]);
    expect(contradiction.body.meta.total).toBe(0);
    const asset = await s.api.get(`/assets/${a1}/findings?severity=Critical`);
    expect(asset.body.meta.total).toBe(1);
  });
});
