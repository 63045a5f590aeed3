import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, setup, startReceiver, teardown, type Client, type Receiver, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';
import { buildRegistry } from '../../src/server/registry.js';
import { modules } from '../../src/server/modules/index.js';

const SUBSCRIBABLE_TYPES = buildRegistry(modules).subscribableEvents;

let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let api: Client;
let receiver: Receiver;

beforeAll(async () => {
  s = await setup({ env: { NEURO_WEBHOOK_ALLOW_PRIVATE: 'true', NEURO_WEBHOOK_POLL_MS: '50' } });
  ({ server, tenant } = s);
  api = client(server.url, tenant.token);
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await teardown(s);
});

async function eventsOf(objectId: string) {
  return server.db.tenant(tenant.id, async (q) =>
    (await q.query<{ type: string; changes: any; data: any; actor_type: string; actor_id: string | null; credential_id: string | null }>(
      'SELECT type, changes, data, actor_type, actor_id, credential_id FROM events WHERE tenant_id = $1 AND object_id = $2 ORDER BY created_at, id',
      [tenant.id, objectId],
    )).rows,
  );
}

describe('events and history', () => {
  it('fans out to webhooks exactly the types the catalog lets them subscribe to', async () => {
    // The trigger's webhook_event_type() (migration 0004) must match SUBSCRIBABLE_TYPES.
    const types = [...SUBSCRIBABLE_TYPES, 'webhook.test', 'auth.login_failed', 'token.revoked', 'finding.renamed'];
    const { rows } = await server.db.system((q) =>
      q.query<{ t: string; ok: boolean }>('SELECT t, webhook_event_type(t) AS ok FROM unnest($1::text[]) AS t', [types]));
    expect(Object.fromEntries(rows.map((r) => [r.t, r.ok]))).toEqual(Object.fromEntries(types.map((t) => [t, SUBSCRIBABLE_TYPES.includes(t)])));
  });

  it('records who changed which field from what to what, newest first, paginated', async () => {
    const project = (await api.post('/projects', { name: 'History' })).body.data;
    const finding = (await api.post('/findings', { project_id: project.id, title: 'XSS', severity: 'Medium' })).body.data;
    await api.put(`/findings/${finding.id}`, { severity: 'High' });
    await api.put(`/findings/${finding.id}`, { status: 'Confirmed', title: 'Stored XSS' });
    await api.put(`/findings/${finding.id}`, { title: 'Stored XSS' }); // no change: no event

    const res = await api.get(`/findings/${finding.id}/history`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data.map((e: any) => e.type)).toEqual(['finding.status_changed', 'finding.updated', 'finding.updated', 'finding.created']);
    const [statusChanged, second, first, createdEvent] = res.body.data;
    expect(second.changes).toEqual({ status: { old: 'Open', new: 'Confirmed' }, title: { old: 'XSS', new: 'Stored XSS' } });
    expect(statusChanged.changes).toEqual({ status: { old: 'Open', new: 'Confirmed' } });
    expect(first.changes).toEqual({ severity: { old: 'Medium', new: 'High' } });
    expect(createdEvent.changes).toBeNull();
    expect(createdEvent.id).toMatch(/^evt_/);
    expect(createdEvent.actor).toMatchObject({ type: 'service_account', name: 'Bootstrap admin' });
    expect(createdEvent.actor.id).toMatch(/^sa_/);
    expect(createdEvent.credential_id).toMatch(/^tok_/);
    expect(createdEvent).toMatchObject({ object_type: 'finding', object_id: finding.id });

    const page = await api.get(`/findings/${finding.id}/history?limit=2&page=2`);
    expect(page.body.meta).toEqual({ page: 2, limit: 2, total: 4, pages: 2 });
    expect(page.body.data.map((e: any) => e.type)).toEqual(['finding.updated', 'finding.created']);
    const filtered = await api.get(`/findings/${finding.id}/history?type=finding.status_changed`);
    expect(filtered.body.meta.total).toBe(1);
    expect((await api.get(`/findings/${finding.id}/history?type=finding.status_changed,finding.created`)).body.meta.total).toBe(2);
    const unknown = await api.get(`/findings/${finding.id}/history?type=finding.renamed`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].field).toBe('type');

    // Asset links are part of the change too.
    const asset = (await api.post('/assets', { project_id: project.id, name: 'db1', type: 'host' })).body.data;
    await api.put(`/findings/${finding.id}`, { asset_ids: [asset.id] });
    const linked = await api.get(`/findings/${finding.id}/history?limit=1`);
    expect(linked.body.data[0].changes).toEqual({ asset_ids: { old: [], new: [asset.id] } });

    // Deleted: the history endpoint is gone, the events stay (with the last state) for the audit log.
    expect((await api.del(`/findings/${finding.id}`)).status).toBe(204);
    expect((await api.get(`/findings/${finding.id}/history`)).status).toBe(404);
    const rows = await eventsOf(finding.id);
    expect(rows.at(-1)).toMatchObject({ type: 'finding.deleted', data: { id: finding.id, title: 'Stored XSS', asset_ids: [asset.id] } });
    // …where admins read it in the audit log, with the object's last state.
    const audit = await api.get(`/audit-log?object_id=${finding.id}`);
    expect(audit.status, audit.text).toBe(200);
    expect(audit.body.data.map((e: any) => e.type)).toEqual([
      'finding.deleted', 'finding.updated', 'finding.status_changed', 'finding.updated', 'finding.updated', 'finding.created',
    ]);
    expect(audit.body.data[0].data).toMatchObject({ id: finding.id, title: 'Stored XSS' });
  });

  it('keeps the history of clients, projects and assets', async () => {
    const cl = (await api.post('/clients', { name: 'Acme' })).body.data;
    await api.put(`/clients/${cl.id}`, { website: 'https://acme.example' });
    const project = (await api.post('/projects', { name: 'P', client_id: cl.id })).body.data;
    await api.put(`/projects/${project.id}`, { status: 'in_progress' });
    const asset = (await api.post('/assets', { project_id: project.id, name: 'web', type: 'host' })).body.data;
    await api.put(`/assets/${asset.id}`, { tags: ['dmz'] });

    const c = await api.get(`/clients/${cl.id}/history`);
    expect(c.body.data.map((e: any) => e.type)).toEqual(['client.updated', 'client.created']);
    expect(c.body.data[0].changes).toEqual({ website: { old: null, new: 'https://acme.example' } });
    const p = await api.get(`/projects/${project.id}/history`);
    expect(p.body.data.map((e: any) => e.type)).toEqual(['project.updated', 'project.created']);
    expect(p.body.data[0].changes).toEqual({ status: { old: 'planned', new: 'in_progress' } });
    const a = await api.get(`/assets/${asset.id}/history`);
    expect(a.body.data[0].changes).toEqual({ tags: { old: [], new: ['dmz'] } });

    expect((await api.del(`/assets/${asset.id}`)).status).toBe(204);
    expect((await eventsOf(asset.id)).map((e) => e.type)).toEqual(['asset.created', 'asset.updated', 'asset.deleted']);

    // Deleting a project deletes its findings and assets, each with its event and last state.
    const f = (await api.post('/findings', { project_id: project.id, title: 'Cascaded' })).body.data;
    const a2 = (await api.post('/assets', { project_id: project.id, name: 'db', type: 'host' })).body.data;
    expect((await api.del(`/projects/${project.id}`)).status).toBe(204);
    expect((await eventsOf(f.id)).map((e) => e.type)).toEqual(['finding.created', 'finding.deleted']);
    expect((await eventsOf(f.id))[1]!.data).toMatchObject({ id: f.id, title: 'Cascaded' });
    expect((await eventsOf(a2.id)).map((e) => e.type)).toEqual(['asset.created', 'asset.deleted']);
    expect((await eventsOf(project.id)).map((e) => e.type)).toEqual(['project.created', 'project.updated', 'project.deleted']);
  });

  it('emits nothing for a change that rolls back', async () => {
    const wh = (await api.post('/webhooks', { url: `${receiver.url}/rollback`, events: ['*'] })).body.data;
    const project = (await api.post('/projects', { name: 'Rollback', start_date: '2024-02-01' })).body.data;
    const otherProject = (await api.post('/projects', { name: 'Other' })).body.data;
    const foreign = (await api.post('/assets', { project_id: otherProject.id, name: 'x', type: 'host' })).body.data;

    // The update is made, then found invalid: the transaction rolls back with its event.
    const bad = await api.put(`/projects/${project.id}`, { end_date: '2024-01-01', name: 'Renamed' });
    expect(bad.status).toBe(400);
    // The finding is inserted, then its asset links fail: nothing stays.
    const badFinding = await api.post('/findings', { project_id: project.id, title: 'Never', asset_ids: [foreign.id] });
    expect(badFinding.status).toBe(400);

    const history = await api.get(`/projects/${project.id}/history`);
    expect(history.body.data.map((e: any) => e.type)).toEqual(['project.created']);
    const never = await server.db.tenant(tenant.id, async (q) =>
      (await q.query(`SELECT 1 FROM events WHERE tenant_id = $1 AND type = 'finding.created' AND data->>'title' = 'Never'`, [tenant.id])).rows,
    );
    expect(never).toEqual([]);

    // A change after them is delivered, and nothing of the rolled-back ones ever was.
    await api.put(`/projects/${project.id}`, { name: 'Done' });
    const got = await receiver.waitFor(4, '/rollback');
    const types = got.map((r) => JSON.parse(r.body).event).sort();
    expect(types).toEqual(['asset.created', 'project.created', 'project.created', 'project.updated']);
    expect(got.map((r) => r.body).join()).not.toContain('Renamed');
    expect(got.map((r) => r.body).join()).not.toContain('Never');
    await api.del(`/webhooks/${wh.id}`);
  });
});
