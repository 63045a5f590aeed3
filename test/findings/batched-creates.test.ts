import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, setup, teardown, type Setup } from '../helpers/index.js';

/**
 * Concurrent creates of findings go to the database together (lib/batcher.ts): each request must
 * still get exactly its own answer, its own row and its own event, and one bad request in a batch
 * must not fail the others.
 */
let s: Setup;
let projectId: string;
beforeAll(async () => {
  s = await setup();
  projectId = (await s.make.project()).id;
});
afterAll(() => teardown(s));

const body = (i: number, extra: Record<string, unknown> = {}) => ({
  project_id: projectId,
  title: `Batched ${i}`,
  severity: ['Critical', 'High', 'Medium', 'Low', 'Info'][i % 5],
  ...(i % 3 === 0 ? { description: `Shape with a description ${i}` } : {}),
  ...(i % 4 === 0 ? { tags: ['batch', `n${i}`], cve: ['CVE-2024-0001'] } : {}),
  ...extra,
});

describe('batched creates', () => {
  it('answers each of many concurrent creates with its own finding and event', async () => {
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => s.api.post('/findings', body(i))));
    const ids = new Set<string>();
    for (const [i, res] of results.entries()) {
      expect(res.status, res.text).toBe(201);
      expect(res.body.data).toMatchObject({ title: `Batched ${i}`, severity: body(i).severity, project_id: projectId, status: 'Open' });
      if (i % 4 === 0) expect(res.body.data.tags).toEqual(['batch', `n${i}`]);
      else expect(res.body.data.tags).toEqual([]);
      ids.add(res.body.data.id);
      const stored = await s.api.get(`/findings/${res.body.data.id}`);
      expect(stored.body.data).toEqual(res.body.data);
    }
    expect(ids.size).toBe(60);

    const { rows } = await s.server.db.tenant(s.tenant.id, (q) =>
      q.query<{ object_id: string; request_id: string; actor_type: string; data: { title: string } }>(
        "SELECT object_id, request_id, actor_type, data FROM events WHERE type = 'finding.created' AND object_id = ANY($1)",
        [[...ids]],
      ),
    );
    expect(rows).toHaveLength(60);
    const byObject = new Map(rows.map((r) => [r.object_id, r]));
    for (const res of results) {
      const event = byObject.get(res.body.data.id)!;
      expect(event.request_id).toBe(res.headers.get('x-request-id'));
      expect(event.actor_type).toBe('service_account');
      expect(event.data.title).toBe(res.body.data.title);
    }
  });

  it('fails only the bad ones of a batch, each as it would fail alone', async () => {
    const alone = await s.api.post('/findings', body(0, { project_id: 'proj_doesnotexist' }));
    expect(alone.status).toBeGreaterThanOrEqual(400);
    expect(alone.status).toBeLessThan(500);
    const before = (await s.api.get(`/projects/${projectId}/findings?limit=1`)).body.meta.total;

    const results = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      s.api.post('/findings', i % 7 === 3 ? body(i, { project_id: 'proj_doesnotexist' }) : body(i))));
    let good = 0;
    for (const [i, res] of results.entries()) {
      if (i % 7 === 3) {
        expect(res.status, res.text).toBe(alone.status);
        expect(res.body.error).toEqual(alone.body.error);
      } else {
        expect(res.status, res.text).toBe(201);
        good++;
      }
    }
    expect((await s.api.get(`/projects/${projectId}/findings?limit=1`)).body.meta.total).toBe(before + good);
  });

  it('never batches one tenant with another', async () => {
    const other = await s.server.createTenant();
    const theirs = client(s.server.url, other.token);
    const theirProject = (await theirs.post('/projects', { name: 'Theirs' })).body.data.id;
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) =>
      i % 2 === 0 ? s.api.post('/findings', body(i)) : theirs.post('/findings', { project_id: theirProject, title: `Theirs ${i}` })));
    for (const [i, res] of results.entries()) {
      expect(res.status, res.text).toBe(201);
      const api = i % 2 === 0 ? s.api : theirs;
      expect((await api.get(`/findings/${res.body.data.id}`)).status).toBe(200);
      expect((await (i % 2 === 0 ? theirs : s.api).get(`/findings/${res.body.data.id}`)).status).toBe(404);
    }
    // Their project id in our tenant is a project that does not exist here.
    const crossed = await s.api.post('/findings', { project_id: theirProject, title: 'Crossed' });
    expect(crossed.status).toBeGreaterThanOrEqual(400);
    expect(crossed.status).toBeLessThan(500);
  });
});
