import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCounterFolder, foldCounters, FOLDED } from '../../src/server/modules/findings/counter-fold.js';
import { client, setup, teardown, type Setup } from '../helpers/index.js';

/**
 * The counters' slot rows are folded into one row a group (findings/counter-fold.ts). Every total
 * summed from them (finding_counts, finding_terms, finding_weeks) must be the same before and
 * after a fold, equal to a count over the findings, also while findings are written meanwhile.
 */
let s: Setup;
const projects: string[] = [];
const ids: string[] = [];
const onPostgres = Boolean(process.env.DATABASE_URL);

const SEVERITIES = ['Critical', 'High', 'Medium', 'Low', 'Info'];
const STATUSES = ['Open', 'Confirmed', 'Remediated', 'Verified', 'Accepted Risk', 'False Positive'];
const TITLES = ['SQL injection in login', 'Reflected XSS in search', 'Session fixation', 'Open redirect after login'];
const TAGS = [['web'], ['web', 'auth'], ['internal'], []];

beforeAll(async () => {
  s = await setup();
  for (let i = 0; i < 2; i++) projects.push((await s.make.project()).id);
});
afterAll(() => teardown(s));

const tenantQuery = <R>(sql: string, params: unknown[]) => s.server.db.tenant(s.tenant.id, (q) => q.query<R>(sql, params));
const fold = (step?: number) => foldCounters(s.server.db, s.tenant.id, step);

/** The tenant's counter rows by table: slot rows (writers') and folded ones. */
async function counterRows() {
  const out: Record<string, { slots: number; folded: number }> = {};
  for (const table of ['finding_counts', 'finding_terms', 'finding_weeks', 'finding_word_bits', 'finding_sort_counts']) {
    const { rows } = await tenantQuery<{ slots: number; folded: number }>(
      `SELECT count(*) FILTER (WHERE slot <> ${FOLDED})::int AS slots, count(*) FILTER (WHERE slot = ${FOLDED})::int AS folded FROM ${table} WHERE tenant_id = $1`,
      [s.tenant.id]);
    out[table] = rows[0]!;
  }
  return out;
}

/** Lists whose totals are summed from each counter table, with the count(*) conditions that select the same findings. */
function cases(): { query: string; where: string; params: unknown[] }[] {
  const monday = '2000-01-03';
  const future = '2100-01-04';
  return [
    { query: '', where: 'true', params: [] },
    { query: 'severity=High', where: "severity = 'High'", params: [] },
    { query: 'status=Open,Confirmed&severity=High,Critical', where: "status IN ('Open', 'Confirmed') AND severity IN ('High', 'Critical')", params: [] },
    { query: `project_id=${projects[0]}`, where: 'project_id = $2', params: [projects[0]] },
    { query: `project_id=${projects[1]}&status=Open`, where: "project_id = $2 AND status = 'Open'", params: [projects[1]] },
    { query: 'search=login', where: "search @@ websearch_to_tsquery('english', 'login')", params: [] },
    { query: 'search=injection&severity=High', where: "search @@ websearch_to_tsquery('english', 'injection') AND severity = 'High'", params: [] },
    // Several words, some negated: the words' bitmaps (finding_word_bits).
    ...['login redirect', 'login -redirect', 'session fixation', 'injection login -csrf'].map((search) => (
      { query: `search=${encodeURIComponent(search)}`, where: "search @@ websearch_to_tsquery('english', $2)", params: [search] })),
    { query: 'tag=web', where: "tags @> '{web}'", params: [] },
    { query: 'tag=auth&status=Open', where: "tags @> '{auth}' AND status = 'Open'", params: [] },
    { query: `created_after=${monday}&created_before=${future}`, where: 'true', params: [] },
    { query: `created_after=${monday}&created_before=${future}&severity=Low&tag=web`, where: "severity = 'Low' AND tags @> '{web}'", params: [] },
  ];
}

/** Every case's meta.total, checked against count(*); and each project's finding_count. */
async function expectExactTotals(stage: string): Promise<Record<string, number>> {
  const totals: Record<string, number> = {};
  const mismatches: string[] = [];
  for (const c of cases()) {
    const res = await s.api.get(`/findings?limit=1${c.query ? `&${c.query}` : ''}`);
    const { rows } = await tenantQuery<{ n: number }>(`SELECT count(*)::int AS n FROM findings WHERE tenant_id = $1 AND ${c.where}`, [s.tenant.id, ...c.params]);
    if (res.status !== 200 || res.body.meta.total !== rows[0]!.n) mismatches.push(`${c.query}: got ${res.status} ${res.body.meta?.total}, want ${rows[0]!.n}`);
    totals[c.query] = res.body.meta?.total;
  }
  for (const project of projects) {
    const p = await s.api.get(`/projects/${project}`);
    const { rows } = await tenantQuery<{ n: number }>('SELECT count(*)::int AS n FROM findings WHERE tenant_id = $1 AND project_id = $2', [s.tenant.id, project]);
    if (p.body.data.finding_count !== rows[0]!.n) mismatches.push(`finding_count of ${project}: got ${p.body.data.finding_count}, want ${rows[0]!.n}`);
  }
  expect(mismatches, stage).toEqual([]);
  return totals;
}

/** n findings created at once (so several connections, hence several slots, write them). */
async function createMany(n: number, offset = 0) {
  const made = await Promise.all(Array.from({ length: n }, (_, k) => {
    const i = offset + k;
    return s.api.post('/findings', {
      project_id: projects[i % 2], title: `${TITLES[i % 4]} #${i}`, severity: SEVERITIES[i % 5], status: STATUSES[i % 6], tags: TAGS[i % 4],
    });
  }));
  expect(made.map((r) => r.status).filter((c) => c !== 201)).toEqual([]);
  ids.push(...made.map((r) => r.body.data.id as string));
}

describe('folding the finding counters', () => {
  it('moves every slot row into one row a group and keeps every total exact', async () => {
    await createMany(60);
    const updates = await Promise.all(ids.slice(0, 20).map((id, i) => s.api.put(`/findings/${id}`, { status: STATUSES[(i + 2) % 6], severity: SEVERITIES[(i + 1) % 5] })));
    expect(updates.map((r) => r.status).filter((c) => c !== 200)).toEqual([]);
    const before = await expectExactTotals('before the fold');
    const rows = await counterRows();
    expect(rows.finding_counts!.slots).toBeGreaterThan(0);

    // In steps of 7 rows: each step's transaction is exact by itself.
    const folded = await fold(7);
    expect(folded).toBe(rows.finding_counts!.slots + rows.finding_terms!.slots + rows.finding_weeks!.slots + rows.finding_word_bits!.slots + rows.finding_sort_counts!.slots);
    const after = await counterRows();
    for (const table of Object.keys(after)) expect(after[table]!.slots, table).toBe(0);
    expect(await expectExactTotals('after the fold')).toEqual(before);
    // Nothing left to fold: a second fold changes nothing.
    expect(await fold()).toBe(0);
    expect(await counterRows()).toEqual(after);
  });

  it('stays exact through the writes after a fold (creates, updates, deletes, a project delete) and the next fold', async () => {
    await createMany(20, 60);
    for (const [i, id] of ids.slice(10, 30).entries()) expect((await s.api.put(`/findings/${id}`, { status: STATUSES[i % 6], tags: TAGS[(i + 1) % 4] })).status).toBe(200);
    for (const id of ids.splice(30, 8)) expect((await s.api.del(`/findings/${id}`)).status).toBe(204);
    const extra = (await s.make.project()).id;
    await Promise.all(['High', 'Low', 'Info'].map((severity) => s.make.finding(extra, { severity, title: 'Login form without CSRF token' })));
    await fold();
    expect((await s.api.del(`/projects/${extra}`)).status).toBe(204);
    await expectExactTotals('after writes on folded counters');
    await fold();
    await expectExactTotals('after the second fold');
    expect((await counterRows()).finding_counts!.slots).toBe(0);
  });

  it("folds the current tenant's counters only", async () => {
    const other = await s.server.createTenant();
    const api2 = client(s.server.url, other.token);
    const p = (await api2.post('/projects', { name: 'theirs' })).body.data.id;
    expect((await api2.post('/findings', { project_id: p, title: 'Their finding', severity: 'High' })).status).toBe(201);
    const theirs = () => s.server.db.tenant(other.id, (q) =>
      q.query<{ n: number }>(`SELECT count(*)::int AS n FROM finding_counts WHERE tenant_id = $1 AND slot <> ${FOLDED}`, [other.id]));
    const slotsBefore = (await theirs()).rows[0]!.n;
    expect(slotsBefore).toBeGreaterThan(0);
    await createMany(4, 100);
    await fold();
    expect((await theirs()).rows[0]!.n).toBe(slotsBefore);
    expect((await api2.get('/findings?severity=High')).body.meta.total).toBe(1);
    await expectExactTotals('after folding one tenant of two');
  });

  // The embedded database runs one statement at a time, so only PostgreSQL can interleave them.
  it.runIf(onPostgres)('never fails a write and stays exact while folds run among concurrent writes and a project delete', async () => {
    const doomed = (await s.make.project()).id;
    await Promise.all(Array.from({ length: 10 }, () => s.make.finding(doomed, { severity: 'High', title: 'Login bypass' })));
    let writing = true;
    let folds = 0;
    const folding = (async () => {
      while (writing) {
        // Three at once: the advisory lock lets one fold the tenant, the others stop.
        await Promise.all([fold(), fold(), fold()]);
        folds++;
      }
    })();
    const writes = [];
    for (let i = 0; i < 120; i++) {
      const id = ids[i % ids.length]!;
      writes.push(i % 3 === 0
        ? s.api.post('/findings', { project_id: projects[i % 2], title: `Concurrent login issue ${i}`, severity: SEVERITIES[i % 5], tags: TAGS[i % 4] })
        : s.api.put(`/findings/${id}`, { status: STATUSES[i % 6], severity: SEVERITIES[(i + 3) % 5] }));
    }
    writes.push(s.api.del(`/projects/${doomed}`));
    const results = await Promise.all(writes);
    writing = false;
    await folding;
    expect(results.map((r) => r.status).filter((c) => ![200, 201, 204].includes(c))).toEqual([]);
    expect(folds).toBeGreaterThan(1);
    for (const r of results) if (r.status === 201) ids.push(r.body.data.id);
    await expectExactTotals('after concurrent writes and folds');
    await fold();
    await expectExactTotals('after a last fold');
  });

  it('is done by the folder for the tenants written, on PostgreSQL; on the embedded database there is nothing to fold', async () => {
    await createMany(6, 200);
    const folder = createCounterFolder({ db: s.server.db, intervalMs: 20, log: s.server.app.log });
    folder.start();
    try {
      folder.written(s.tenant.id);
      if (onPostgres) {
        for (let i = 0; i < 200 && (await counterRows()).finding_counts!.slots > 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect((await counterRows()).finding_counts!.slots).toBe(0);
      } else {
        await new Promise((r) => setTimeout(r, 100));
        expect((await counterRows()).finding_counts!.slots).toBeGreaterThan(0);
      }
    } finally {
      await folder.stop();
    }
    await expectExactTotals('after the folder');
  });

  it.runIf(onPostgres)('folds, at its first round, every tenant whose counters hold slot rows, with no write noted', async () => {
    const other = await s.server.createTenant();
    const api2 = client(s.server.url, other.token);
    const p = (await api2.post('/projects', { name: 'written before the start' })).body.data.id;
    expect((await api2.post('/findings', { project_id: p, title: 'Written before the start', severity: 'Low' })).status).toBe(201);
    await createMany(6, 300);
    const slots = async () => [(await counterRows()).finding_counts!.slots, (await s.server.db.tenant(other.id, (q) =>
      q.query<{ n: number }>(`SELECT count(*)::int AS n FROM finding_counts WHERE tenant_id = $1 AND slot <> ${FOLDED}`, [other.id]))).rows[0]!.n];
    expect((await slots()).every((n) => n > 0)).toBe(true);
    // A long interval: only the first round, the one at the start, can fold them in time.
    const folder = createCounterFolder({ db: s.server.db, intervalMs: 60_000, log: s.server.app.log });
    folder.start();
    try {
      for (let i = 0; i < 200 && (await slots()).some((n) => n > 0); i++) await new Promise((r) => setTimeout(r, 20));
      expect(await slots()).toEqual([0, 0]);
    } finally {
      await folder.stop();
    }
    await expectExactTotals('after the first round');
    expect((await api2.get('/findings?severity=Low')).body.meta.total).toBe(1);
  });
});
