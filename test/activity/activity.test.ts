import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectError, setup, teardown, type Setup } from '../helpers/index.js';

/** GET /activity: the tenant's changes, newest first, scoped as each object's history is. */
let s: Setup;

beforeAll(async () => {
  s = await setup();
});
afterAll(() => teardown(s));

describe('activity', () => {
  it('lists the tenant\'s changes newest first, with who, what and the object\'s name, paginated', async () => {
    const c = await s.make.client({ name: 'Activity Client' });
    const p = await s.make.project({ name: 'Activity Project', client_id: c.id });
    const f = await s.make.finding(p.id, { title: 'Open redirect', severity: 'Low' });
    expect((await s.api.put(`/findings/${f.id}`, { severity: 'Medium' })).status).toBe(200);

    const res = await s.api.get('/activity?limit=3');
    expect(res.status, res.text).toBe(200);
    expect(res.body.meta).toMatchObject({ page: 1, limit: 3 });
    expect(res.body.meta.total).toBeGreaterThanOrEqual(4);
    expect(res.body.data.map((e: any) => e.type)).toEqual(['finding.updated', 'finding.created', 'project.created']);
    const [updated, created] = res.body.data;
    expect(updated).toMatchObject({ object_type: 'finding', object_id: f.id, object_name: 'Open redirect', changes: { severity: { old: 'Low', new: 'Medium' } } });
    expect(updated.actor).toMatchObject({ type: 'service_account', name: 'Bootstrap admin' });
    expect(created.changes).toBeNull();

    const next = await s.api.get('/activity?limit=3&page=2');
    expect(next.status).toBe(200);
    expect(next.body.data[0]).toMatchObject({ type: 'client.created', object_name: 'Activity Client' });

    const onlyClients = await s.api.get('/activity?object_type=client');
    expect(onlyClients.body.data.every((e: any) => e.object_type === 'client')).toBe(true);
    expectError(await s.api.get('/activity?object_type=martian'), 400, 'VALIDATION_ERROR', ['object_type']);
  });

  it('lists only the object types the caller may read', async () => {
    const p = await s.make.project({ name: 'Scoped' });
    await s.make.finding(p.id, { title: 'Only for findings readers' });
    const findingsOnly = client(s.server.url, await s.server.mintToken(s.tenant, ['findings:read']));
    const res = await findingsOnly.get('/activity?limit=100');
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(new Set(res.body.data.map((e: any) => e.object_type))).toEqual(new Set(['finding']));
    // Asking for a type it may not read gives nothing, not someone else's history.
    const projects = await findingsOnly.get('/activity?object_type=project');
    expect(projects.status).toBe(200);
    expect(projects.body).toMatchObject({ data: [], meta: { total: 0 } });
  });

  it('refuses a token that may read none of the object types (403)', async () => {
    const webhooksOnly = client(s.server.url, await s.server.mintToken(s.tenant, ['webhooks:read']));
    expectError(await webhooksOnly.get('/activity'), 403, 'FORBIDDEN');
  });

  it('never shows another tenant\'s changes, and an object of another tenant is not found through it', async () => {
    const other = await s.server.createTenant();
    const otherApi = client(s.server.url, other.token);
    const mine = await s.make.project({ name: 'Not yours' });
    const res = await otherApi.get('/activity?limit=100');
    expect(res.status).toBe(200);
    expect(res.body.data.some((e: any) => e.object_id === mine.id)).toBe(false);
    expect(res.body.data.every((e: any) => !String(e.object_name ?? '').includes('Activity'))).toBe(true);
    expect((await otherApi.get(`/projects/${mine.id}/history`)).status).toBe(404);
  });
});
