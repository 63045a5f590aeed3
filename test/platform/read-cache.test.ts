import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, setup, teardown, type Setup } from '../helpers/index.js';

/**
 * The core reads are served from rendered responses while the tenant's data version stands still
 * (src/server/lib/read-cache.ts). Whatever changes the data, through the API or behind its back (as
 * another server on the same database would), the next read must show it.
 */
let s: Setup;
let projectId: string;
let findingId: string;
const stats = () => s.server.app.ctx.reads.stats();

beforeAll(async () => {
  s = await setup();
  projectId = (await s.make.project()).id;
  findingId = (await s.make.finding(projectId, { title: 'SQL injection in login', severity: 'High' })).id;
});
afterAll(() => teardown(s));

/** Reads `path` twice: the second answer must come from the cache and be byte-identical. */
async function readTwice(path: string) {
  const first = await s.api.get(path);
  expect(first.status, first.text).toBe(200);
  const before = stats().hits;
  const second = await s.api.get(path);
  expect(second.text).toBe(first.text);
  expect(stats().hits).toBe(before + 1);
  return second.body;
}

/** A change made straight in the database, as another server instance would make it. */
const behindTheBack = (sql: string, params: unknown[]) => s.server.db.tenant(s.tenant.id, (q) => q.query(sql, params));

describe('read cache', () => {
  it('serves every cached read again unchanged, and a changed one fresh', async () => {
    const asset = await s.make.asset(projectId);
    const clientRow = await s.make.client();
    const paths = [
      '/findings?limit=5', `/findings/${findingId}`, `/projects/${projectId}/findings`, `/assets/${asset.id}/findings`,
      '/projects', `/projects/${projectId}`, `/clients/${clientRow.id}/projects`, '/assets', `/assets/${asset.id}`,
      `/projects/${projectId}/assets`, '/clients', `/clients/${clientRow.id}`,
    ];
    for (const path of paths) await readTwice(path);
    // Any change to the tenant's data makes every one of them a miss once.
    await s.make.client();
    for (const path of paths) {
      const misses = stats().misses;
      await readTwice(path);
      expect(stats().misses, path).toBe(misses + 1);
    }
  });

  it('shows changes made through the API: create, update, links, delete', async () => {
    const list = `/projects/${projectId}/findings?sort=title&order=asc`;
    const total = (await readTwice(list)).meta.total;
    const created = await s.make.finding(projectId, { title: 'AAA first by title' });
    expect((await readTwice(list)).meta.total).toBe(total + 1);

    await s.api.put(`/findings/${created.id}`, { title: 'AAA renamed' });
    expect((await readTwice(list)).data[0].title).toBe('AAA renamed');
    expect((await readTwice(`/findings/${created.id}`)).data.title).toBe('AAA renamed');

    const asset = await s.make.asset(projectId);
    await s.api.put(`/findings/${created.id}`, { asset_ids: [asset.id] });
    expect((await readTwice(`/findings/${created.id}`)).data.asset_ids).toEqual([asset.id]);
    expect((await readTwice(`/assets/${asset.id}`)).data.finding_count).toBe(1);
    // Deleting the asset removes the link by cascade: the finding shows it at once.
    expect((await s.api.del(`/assets/${asset.id}`)).status).toBe(204);
    expect((await readTwice(`/findings/${created.id}`)).data.asset_ids).toEqual([]);

    expect((await s.api.del(`/findings/${created.id}`)).status).toBe(204);
    expect((await s.api.get(`/findings/${created.id}`)).status).toBe(404);
    expect((await readTwice(list)).meta.total).toBe(total);
  });

  it('shows changes made behind its back by another writer on the same database', async () => {
    await readTwice(`/findings/${findingId}`);
    await behindTheBack('UPDATE findings SET title = $3 WHERE tenant_id = $1 AND id = $2', [s.tenant.id, findingId, 'Changed elsewhere']);
    expect((await readTwice(`/findings/${findingId}`)).data.title).toBe('Changed elsewhere');

    const other = await s.make.finding(projectId);
    const search = '/findings?search=elsewhere';
    expect((await readTwice(search)).meta.total).toBe(1);
    await behindTheBack('UPDATE findings SET description = $3 WHERE tenant_id = $1 AND id = $2', [s.tenant.id, other.id, 'Also elsewhere']);
    expect((await readTwice(search)).meta.total).toBe(2);

    const project = `/projects/${projectId}`;
    await readTwice(project);
    await behindTheBack('UPDATE projects SET name = $3 WHERE tenant_id = $1 AND id = $2', [s.tenant.id, projectId, 'Renamed elsewhere']);
    expect((await readTwice(project)).data.name).toBe('Renamed elsewhere');
  });

  it('keeps the versions out of the application role’s reach', async () => {
    // Lowering a version could make an old response match again: only the owner's functions write it.
    for (const sql of ['DELETE FROM data_versions', 'UPDATE data_versions SET n = 0', "INSERT INTO data_versions VALUES ('x', 0, 0)"]) {
      await expect(behindTheBack(sql, []), sql).rejects.toThrow(/permission denied/);
    }
  });

  it('answers concurrent reads during writes with data no older than the request', async () => {
    // Each read starts after the write before it was acknowledged, so it must show that write.
    const path = `/findings/${findingId}`;
    for (let i = 0; i < 20; i++) {
      const title = `Concurrent ${i}`;
      const noise = Array.from({ length: 4 }, () => s.api.get(path));
      expect((await s.api.put(path, { title })).status).toBe(200);
      const [after] = await Promise.all([s.api.get(path), ...noise]);
      expect(after!.body.data.title).toBe(title);
    }
  });

  it('keeps tenants apart and checks the credential before the cache', async () => {
    const path = '/findings?limit=5';
    const mine = await readTwice(path);
    const other = await s.server.createTenant();
    const theirs = await client(s.server.url, other.token).get(path);
    expect(theirs.status).toBe(200);
    expect(theirs.body.meta.total).toBe(0);
    expect(mine.meta.total).toBeGreaterThan(0);
    // Another tenant's token asking for this tenant's finding: 404, cached or not.
    expect((await client(s.server.url, other.token).get(`/findings/${findingId}`)).status).toBe(404);
    const noScope = await s.server.mintToken(s.tenant, ['projects:read']);
    expect((await client(s.server.url, noScope).get(path)).status).toBe(403);
    expect((await client(s.server.url).get(path)).status).toBe(401);
  });
});

describe('read cache turned off', () => {
  let off: Setup;
  beforeAll(async () => {
    off = await setup({ env: { NEURO_READ_CACHE_MB: '0' } });
  });
  afterAll(() => teardown(off));

  it('renders every read', async () => {
    const projectId = (await off.make.project()).id;
    await off.make.finding(projectId);
    for (let i = 0; i < 3; i++) expect((await off.api.get('/findings')).body.meta.total).toBe(1);
    expect(off.server.app.ctx.reads.stats()).toMatchObject({ hits: 0, entries: 0 });
  });
});
