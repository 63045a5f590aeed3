import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listRows, type TotalMemo } from '../../src/server/lib/list.js';
import { findings } from '../../src/server/modules/findings/repo.js';
import { setup, teardown, type Setup } from '../helpers/index.js';

/**
 * A list's total is counted once per filters and data version (lib/list.ts TotalMemo, kept by the
 * read cache): the statement compares the version in its own snapshot, so a kept total is used
 * exactly where it still holds, and any change to the tenant's data makes the next list count again.
 */
let s: Setup;
let projectId: string;

beforeAll(async () => {
  s = await setup();
  projectId = (await s.make.project()).id;
  for (const [title, severity] of [['Session fixation in login', 'High'], ['Session cookie without Secure', 'Low'], ['Open redirect', 'High']] as const) {
    await s.make.finding(projectId, { title, severity });
  }
});
afterAll(() => teardown(s));

/** A memo that remembers what it was told and answers what the test says. */
function recording(answer?: { version: string; total: number }) {
  const sets: { key: string; version: string; total: number }[] = [];
  const memo: TotalMemo = { get: () => answer, set: (key, version, total) => void sets.push({ key, version, total }) };
  return { memo, sets };
}

const list = (query: Record<string, unknown>, memo: TotalMemo, fixed: Record<string, string> = {}) =>
  s.server.db.tenant(s.tenant.id, (q) => listRows(q, findings, s.tenant.id, query, fixed, memo));

describe('list totals kept by data version', () => {
  it('keeps each total with the version it was counted at, under a key of its filters alone', async () => {
    const a = recording();
    const page = await list({ search: 'session', severity: 'High', sort: 'title', limit: 1 }, a.memo);
    expect(page.meta.total).toBe(1);
    const b = recording();
    await list({ severity: 'High', search: 'session', limit: 5, page: 2, order: 'asc' }, b.memo);
    expect(a.sets).toHaveLength(1);
    // The same filters in another order, sort and page: the same key, and the same version while nothing changed.
    expect(b.sets[0]).toEqual(a.sets[0]);
    const c = recording();
    await list({ search: 'session' }, c.memo, { project_id: projectId });
    expect(c.sets[0]!.key).not.toBe(a.sets[0]!.key);
    expect(c.sets[0]!.total).toBe(2);
  });

  it('keeps no total that a counter table answers', async () => {
    const counters = recording();
    expect((await list({ severity: 'High' }, counters.memo)).meta.total).toBe(2);
    expect(counters.sets).toEqual([]);
  });

  // A filter no counter table answers (updated_after), so the total is counted row by row.
  const HIGH = { severity: 'High', updated_after: '2000-01-01' };

  it('uses a kept total only while the version is the one it was counted at', async () => {
    const counted = recording();
    await list(HIGH, counted.memo);
    const { version, total } = counted.sets[0]!;
    expect(total).toBe(2);
    // A total the statement is given for its version is what it answers (so a kept one is not counted again)…
    expect((await list(HIGH, recording({ version, total: 41 }).memo)).meta.total).toBe(41);
    // …and one for another version is counted afresh.
    expect((await list(HIGH, recording({ version: `${version}0`, total: 41 }).memo)).meta.total).toBe(2);
    await s.make.finding(projectId, { title: 'Another high one', severity: 'High' });
    const after = recording({ version, total });
    expect((await list(HIGH, after.memo)).meta.total).toBe(3);
    expect(after.sets[0]!.version).not.toBe(version);
  });

  it('serves exact totals through the API with the cache on, across writes', async () => {
    const path = `/findings?search=session&severity=High,Low&limit=1`;
    const totals: number[] = [];
    for (let i = 0; i < 3; i++) {
      const first = await s.api.get(path);
      const second = await s.api.get(`${path}&page=2`);
      expect(second.body.meta.total).toBe(first.body.meta.total);
      totals.push(first.body.meta.total);
      await s.make.finding(projectId, { title: `Session token ${i} in URL`, severity: 'Low' });
    }
    expect(totals).toEqual([2, 3, 4]);
    const removed = await s.api.get('/findings?search=session&severity=Low&limit=100');
    for (const f of removed.body.data) expect((await s.api.del(`/findings/${f.id}`)).status).toBe(204);
    expect((await s.api.get(path)).body.meta.total).toBe(1);
  });
});
