import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, factories, setup, teardown, type Client, type Setup } from '../helpers/index.js';
import { FINDING_SORTS } from '../../src/server/modules/findings/schemas.js';

/**
 * Keyset pages (`after`) walk every finding exactly once in each whitelisted sort and order, with
 * filters and in the nested lists, with exact totals; and search totals stay exact whichever plan
 * (sort-index walk or GIN lookup) and count (finding_terms or the lookup) answers them.
 */
let s: Setup;
let other: Client;
let otherFinding: string;
let p1: string, a1: string;
const all: { id: string }[] = [];
type Made = { id: string };
const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Info'];
const STATUSES = ['Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive'];

beforeAll(async () => {
  s = await setup();
  p1 = (await s.make.project()).id;
  const p2 = (await s.make.project()).id;
  a1 = (await s.make.asset(p1)).id;
  // Ties on every sort key (severity, status, score, title), so the id decides within them.
  for (let i = 0; i < 23; i++) {
    all.push(<Made>await s.make.finding(i % 3 === 0 ? p2 : p1, {
      title: i % 4 === 0 ? 'Same title' : `Finding ${String.fromCharCode(97 + (i % 26))}`,
      severity: SEVERITIES[i % 5],
      status: STATUSES[i % 6],
      ...(i % 3 === 1 ? { cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' } : {}),
      description: i % 2 === 0 ? 'The session cookie lacks the Secure flag.' : 'Plain text.',
      tags: i % 2 === 0 ? ['web'] : [],
      ...(i % 5 === 0 && i % 3 !== 0 ? { asset_ids: [a1] } : {}),
    }));
  }
  const t2 = await s.server.createTenant();
  other = client(s.server.url, t2.token);
  const make2 = factories(other, s.server, t2);
  otherFinding = (await make2.finding((await make2.project()).id, { title: 'Other tenant' })).id;
});
afterAll(() => teardown(s));

/** Every page of a list by `after`, as a client follows them. */
async function walk(path: string, limit: number) {
  const sep = path.includes('?') ? '&' : '?';
  const first = await s.api.get(`${path}${sep}limit=${limit}`);
  expect(first.status, first.text).toBe(200);
  const ids: string[] = first.body.data.map((x: { id: string }) => x.id);
  const total: number = first.body.meta.total;
  let last = ids.at(-1);
  for (let guard = 0; last && guard < 100; guard++) {
    const res = await s.api.get(`${path}${sep}limit=${limit}&after=${last}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.meta).toEqual({ page: 0, limit, total, pages: Math.ceil(total / limit) });
    const page = res.body.data.map((x: { id: string }) => x.id);
    ids.push(...page);
    last = page.length === limit ? page.at(-1) : undefined;
  }
  return { ids, total };
}

/** The same list by page numbers. */
async function byPages(path: string) {
  const sep = path.includes('?') ? '&' : '?';
  const res = await s.api.get(`${path}${sep}limit=100`);
  expect(res.status, res.text).toBe(200);
  expect(res.body.meta.total).toBe(res.body.data.length);
  return res.body.data.map((x: { id: string }) => x.id) as string[];
}

describe('findings: keyset pages (after)', () => {
  const cases = FINDING_SORTS.flatMap((sort) => ['asc', 'desc'].map((order) => `sort=${sort}&order=${order}`));
  it.each(cases)('walks /findings?%s exactly as the numbered pages do', async (query) => {
    const expected = await byPages(`/findings?${query}`);
    expect(expected).toHaveLength(23);
    const { ids, total } = await walk(`/findings?${query}`, 4);
    expect(total).toBe(23);
    expect(ids).toEqual(expected);
  });

  it.each([
    '/findings?severity=High,Critical&sort=cvss_score',
    '/findings?status=Open,Verified&sort=title&order=asc',
    '/findings?tag=web&sort=status',
    '/findings?search=session&sort=severity&order=asc',
    'P1?sort=updated_at',
    'A1?sort=created_at&order=asc',
  ])('walks %s with its filters', async (path) => {
    const p = path.replace('P1', `/projects/${p1}/findings`).replace('A1', `/assets/${a1}/findings`);
    const expected = await byPages(p);
    const { ids, total } = await walk(p, 2);
    expect(total).toBe(expected.length);
    expect(ids).toEqual(expected);
  });

  it('answers an empty page after the last finding', async () => {
    const last = (await byPages('/findings')).at(-1);
    const res = await s.api.get(`/findings?after=${last}`);
    expect(res.body).toEqual({ success: true, data: [], meta: { page: 0, limit: 50, total: 23, pages: 1 } });
  });

  it('refuses an id that is not a finding of the tenant, naming the field', async () => {
    expectError(await s.api.get('/findings?after=find_nope'), 400, 'VALIDATION_ERROR', ['after']);
    // Another tenant's finding is refused the same way, and shows nothing of it.
    const res = await s.api.get(`/findings?after=${otherFinding}`);
    expectError(res, 400, 'VALIDATION_ERROR', ['after']);
    expect(res.text).not.toContain('Other tenant');
    // …and the other tenant cannot page from one of ours.
    expectError(await other.get(`/findings?after=${all[0]!.id}`), 400, 'VALIDATION_ERROR', ['after']);
    expectError(await other.get(`/projects/${p1}/findings?after=${all[0]!.id}`), 404, 'NOT_FOUND');
  });

  it('refuses after with a page, an empty or too long after, and lists every bad field', async () => {
    expectError(await s.api.get(`/findings?page=2&after=${all[0]!.id}`), 400, 'VALIDATION_ERROR', ['after']);
    expectError(await s.api.get('/findings?after='), 400, 'VALIDATION_ERROR', ['after']);
    expectError(await s.api.get(`/findings?after=${'x'.repeat(65)}`), 400, 'VALIDATION_ERROR', ['after']);
    expectError(await s.api.get(`/findings?after=find_nope&sort=nope`), 400, 'VALIDATION_ERROR', ['sort']);
    // page=1 is the default, so it goes with after.
    expect((await s.api.get(`/findings?page=1&after=${all[0]!.id}`)).status).toBe(200);
  });

  it('needs findings:read, as the list does', async () => {
    const token = await s.server.mintToken(s.tenant, ['projects:read']);
    const narrow = client(s.server.url, token);
    expectError(await narrow.get(`/findings?after=${all[0]!.id}`), 403, 'FORBIDDEN');
  });
});

describe('findings: search totals', () => {
  it.each([
    'search=session',
    'search=session&severity=Critical,Low',
    'search=session&status=Open&severity=Critical',
    'search=session&tag=web',
    'search=Session%20cookie',
    'search=%22session%20cookie%22',
    'search=session%20-secure',
    'search=plain&sort=cvss_score',
    'search=the',
    'search=nothing',
    'tag=web',
    'tag=web&severity=Critical,Low&status=Open',
    'tag=web&search=session',
    'tag=web&sort=title',
    'tag=nope',
  ])('%s is exact in every list', async (query) => {
    for (const base of ['/findings', `/projects/${p1}/findings`, `/assets/${a1}/findings`]) {
      const res = await s.api.get(`${base}?${query}&limit=100`);
      expect(res.status, res.text).toBe(200);
      expect(res.body.meta.total, `${base}?${query}`).toBe(res.body.data.length);
      // Each page of one is the same list.
      const one = await s.api.get(`${base}?${query}&limit=1&page=2`);
      expect(one.body.meta.total).toBe(res.body.meta.total);
      expect(one.body.data.map((x: { id: string }) => x.id)).toEqual(res.body.data.slice(1, 2).map((x: { id: string }) => x.id));
    }
  });

  it('counts a one-word search and a tag exactly after updates, creates and deletes', async () => {
    const count = async (q: string) => (await s.api.get(`/findings?${q}`)).body.meta.total as number;
    const before = await count('search=session&status=Open');
    const made = await s.make.finding(p1, { title: 'Session fixation', status: 'Open' });
    expect(await count('search=session&status=Open')).toBe(before + 1);
    await s.api.put(`/findings/${made.id}`, { status: 'Verified' });
    expect(await count('search=session&status=Open')).toBe(before);
    await s.api.put(`/findings/${made.id}`, { title: 'Nothing relevant', status: 'Open' });
    expect(await count('search=session&status=Open')).toBe(before);
    await s.api.put(`/findings/${made.id}`, { description: 'A session again' });
    expect(await count('search=session&status=Open')).toBe(before + 1);
    const tagged = await count('tag=retest&status=Open');
    await s.api.put(`/findings/${made.id}`, { tags: ['retest', 'retest2'] });
    expect(await count('tag=retest&status=Open')).toBe(tagged + 1);
    await s.api.put(`/findings/${made.id}`, { status: 'Confirmed' });
    expect(await count('tag=retest&status=Open')).toBe(tagged);
    expect(await count('tag=retest')).toBe(tagged + 1);
    await s.api.del(`/findings/${made.id}`);
    expect(await count('search=session&status=Open')).toBe(before);
    expect(await count('tag=retest')).toBe(tagged);
    expect(await count('search=session')).toBe((await s.api.get('/findings?search=session&limit=100')).body.data.length);
  });

  it('keeps the one-word and tag totals exact under a concurrent burst of creates, updates and deletes', async () => {
    const count = async (q: string) => (await s.api.get(`/findings?${q}`)).body.meta.total as number;
    const listed = async (q: string) => {
      const ids: string[] = [];
      for (let page = 1; ; page++) {
        const res = await s.api.get(`/findings?${q}&limit=100&page=${page}`);
        ids.push(...res.body.data.map((x: { id: string }) => x.id));
        if (page >= res.body.meta.pages) return ids.length;
      }
    };
    const made = await Promise.all(Array.from({ length: 24 }, (_, i) =>
      s.make.finding(p1, { title: `Burst session ${i}`, status: i % 2 ? 'Open' : 'Confirmed', tags: ['burst'] })));
    await Promise.all(made.map((f, i) =>
      i % 3 === 0 ? s.api.del(`/findings/${f.id}`)
        : i % 3 === 1 ? s.api.put(`/findings/${f.id}`, { status: 'Verified', tags: ['burst', 'burst2'] })
          : s.api.post('/findings', { project_id: p1, title: `Burst session extra ${i}`, tags: ['burst'] })));
    for (const q of ['search=session', 'search=session&status=Open', 'search=session&status=Verified', 'tag=burst', 'tag=burst2&status=Verified']) {
      expect(await count(q), q).toBe(await listed(q));
    }
  });
});
