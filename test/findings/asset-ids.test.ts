import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, setup, teardown, type Setup } from '../helpers/index.js';

// A finding keeps its asset links' ids on its row (0020_finding_asset_ids.sql), which is what the
// API renders: it must equal the links table after every kind of change.
let s: Setup;
beforeAll(async () => {
  s = await setup();
});
afterAll(() => teardown(s));

/** Findings of the tenant whose kept ids differ from their links (none, ever). */
async function drifted(): Promise<unknown[]> {
  const { rows } = await s.server.db.tenant(s.tenant.id, (q) => q.query(
    `SELECT f.id, f.asset_ids, ARRAY(SELECT fa.asset_id FROM finding_assets fa
                                     WHERE fa.tenant_id = f.tenant_id AND fa.finding_id = f.id ORDER BY fa.asset_id COLLATE "C") AS links
       FROM findings f WHERE f.tenant_id = $1`,
    [s.tenant.id],
  ));
  return rows.filter((r) => JSON.stringify(r.asset_ids) !== JSON.stringify(r.links));
}

const byteOrder = (ids: string[]) => [...ids].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));

describe("a finding's asset_ids", () => {
  it('follow its links through creates, updates, refused updates, direct link changes and asset deletes', async () => {
    const { api, make } = s;
    const p = await make.project();
    const [a, b, c] = [await make.asset(p.id), await make.asset(p.id), await make.asset(p.id)];
    const other = await make.asset((await make.project()).id);

    const f = await make.finding(p.id, { asset_ids: [c.id, a.id] });
    expect(f.asset_ids).toEqual(byteOrder([a.id, c.id]));
    expect((await api.get(`/findings/${f.id}`)).body.data.asset_ids).toEqual(byteOrder([a.id, c.id]));
    const plain = await make.finding(p.id);
    expect(plain.asset_ids).toEqual([]);

    const moved = await api.put(`/findings/${f.id}`, { asset_ids: [b.id] });
    expect(moved.status).toBe(200);
    expect(moved.body.data.asset_ids).toEqual([b.id]);

    // An asset of another project: refused, and neither the row nor its links change.
    expectError(await api.put(`/findings/${f.id}`, { asset_ids: [a.id, other.id] }), 400, 'VALIDATION_ERROR', ['asset_ids']);
    expectError(await api.post('/findings', { project_id: p.id, title: 'Bad link', asset_ids: [other.id] }), 400, 'VALIDATION_ERROR', ['asset_ids']);
    expect((await api.get(`/findings/${f.id}`)).body.data.asset_ids).toEqual([b.id]);

    // Links written by some other path than the API's are followed too.
    await s.server.db.tenant(s.tenant.id, (q) => q.query(
      'INSERT INTO finding_assets (tenant_id, finding_id, asset_id) VALUES ($1, $2, $3), ($1, $4, $3)',
      [s.tenant.id, f.id, c.id, plain.id],
    ));
    expect((await api.get(`/findings/${f.id}`)).body.data.asset_ids).toEqual(byteOrder([b.id, c.id]));
    expect((await api.get(`/findings/${plain.id}`)).body.data.asset_ids).toEqual([c.id]);

    // Deleting an asset removes it from every finding it was linked to (its links cascade).
    expect((await api.del(`/assets/${c.id}`)).status).toBe(204);
    expect((await api.get(`/findings/${f.id}`)).body.data.asset_ids).toEqual([b.id]);
    expect((await api.get(`/findings/${plain.id}`)).body.data.asset_ids).toEqual([]);
    const cleared = await api.put(`/findings/${f.id}`, { asset_ids: [] });
    expect(cleared.body.data.asset_ids).toEqual([]);
    expect(await drifted()).toEqual([]);
  });

  it('stay equal to the links under concurrent updates of the same finding', async () => {
    const { api, make } = s;
    const p = await make.project();
    const assets = await Promise.all(Array.from({ length: 5 }, () => make.asset(p.id)));
    const f = await make.finding(p.id, { asset_ids: [assets[0]!.id] });
    const sets = Array.from({ length: 12 }, (_, i) => assets.filter((_, k) => (i >> k) & 1 || k === i % 5).map((x) => x.id));
    const answers = await Promise.all(sets.map((ids) => api.put(`/findings/${f.id}`, { asset_ids: ids })));
    for (const res of answers) expect(res.status).toBe(200);
    const final = (await api.get(`/findings/${f.id}`)).body.data.asset_ids as string[];
    expect(sets.map((ids) => JSON.stringify(byteOrder(ids)))).toContain(JSON.stringify(final));
    expect(await drifted()).toEqual([]);
  });
});
