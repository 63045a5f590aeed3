import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, setup, startReceiver, teardown, type Client, type Receiver, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let other: TestTenant;
let api: Client;
let receiver: Receiver;

beforeAll(async () => {
  s = await setup({ env: { NEURO_WEBHOOK_ALLOW_PRIVATE: 'true', NEURO_WEBHOOK_POLL_MS: '50' } });
  ({ server, tenant } = s);
  other = await server.createTenant();
  api = client(server.url, tenant.token);
  receiver = await startReceiver();
}, 180_000); // PGlite start-up on a busy machine
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

describe('webhooks API', () => {
  it('creates a webhook, shows its secret once, lists, gets, updates and deletes it', async () => {
    const created = await api.post('/webhooks', { url: `${receiver.url}/a`, events: ['finding.created'], description: 'CI' });
    expect(created.status, created.text).toBe(201);
    const wh = created.body.data;
    expect(wh.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(wh.secret.slice(6), 'base64')).toHaveLength(32);
    expect(wh).toMatchObject({ url: `${receiver.url}/a`, events: ['finding.created'], description: 'CI', active: true, disabled_reason: null });

    const got = await api.get(`/webhooks/${wh.id}`);
    expect(got.status).toBe(200);
    expect(got.body.data.secret).toBeUndefined();
    expect(got.text).not.toContain(wh.secret.slice(6));
    const list = await api.get('/webhooks');
    expect(list.body.data.map((w: any) => w.id)).toContain(wh.id);
    expect(list.text).not.toContain('whsec_');

    const updated = await api.put(`/webhooks/${wh.id}`, { events: ['*'], active: false });
    expect(updated.status, updated.text).toBe(200);
    expect(updated.body.data).toMatchObject({ events: ['*'], active: false });

    // The secret is stored sealed, not in clear.
    const stored = await server.db.tenant(tenant.id, async (q) =>
      (await q.query<{ secret_enc: string }>('SELECT secret_enc FROM webhooks WHERE tenant_id = $1 AND id = $2', [tenant.id, wh.id])).rows[0]!,
    );
    expect(stored.secret_enc).not.toContain(wh.secret.slice(6));

    expect((await api.del(`/webhooks/${wh.id}`)).status).toBe(204);
    expect((await api.get(`/webhooks/${wh.id}`)).status).toBe(404);
    // Webhook changes are events too (for the audit log), without the secret.
    const events = await eventsOf(wh.id);
    expect(events.map((e) => e.type)).toEqual(['webhook.created', 'webhook.updated', 'webhook.deleted']);
    expect(JSON.stringify(events)).not.toContain(wh.secret.slice(6));
  });

  it('removes a webhook\'s deliveries with it, and only its own', async () => {
    const gone = (await api.post('/webhooks', { url: `${receiver.url}/gone`, events: ['client.created'] })).body.data;
    const kept = (await api.post('/webhooks', { url: `${receiver.url}/kept`, events: ['client.created'] })).body.data;
    await api.post('/clients', { name: 'Delivered twice' });
    await receiver.waitFor(1, '/gone');
    await receiver.waitFor(1, '/kept');
    const count = async (webhookId: string) => server.db.tenant(tenant.id, async (q) =>
      Number((await q.query<{ n: string }>('SELECT count(*) AS n FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2', [tenant.id, webhookId])).rows[0]!.n));
    expect(await count(gone.id)).toBe(1);
    expect((await api.del(`/webhooks/${gone.id}`)).status).toBe(204);
    expect(await count(gone.id)).toBe(0);
    expect(await count(kept.id)).toBe(1);
    await api.del(`/webhooks/${kept.id}`);
  });

  it('refuses bad input with the field in details', async () => {
    const cases: [unknown, string][] = [
      [{ url: 'ftp://example.com/x', events: ['*'] }, 'url'],
      [{ url: 'not a url', events: ['*'] }, 'url'],
      [{ url: 'https://user:pw@example.com/', events: ['*'] }, 'url'],
      [{ url: 'https://example.com/', events: ['finding.exploded'] }, 'events[0]'],
      [{ url: 'https://example.com/', events: [] }, 'events'],
      [{ url: 'https://example.com/', events: ['*', 'finding.created'] }, 'events'],
      [{ url: 'https://example.com/', events: ['webhook.test'] }, 'events[0]'],
      [{ events: ['*'] }, 'url'],
      [{ url: 'https://example.com/', events: ['*'], secret: 'x' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const res = await api.post('/webhooks', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_ERROR');
      expect(res.body.error.details.map((d: any) => d.field), JSON.stringify(body)).toContain(field);
    }
    const wh = (await api.post('/webhooks', { url: `${receiver.url}/v`, events: ['*'], active: false })).body.data;
    const bad = await api.get(`/webhooks/${wh.id}/deliveries?status=lost`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('status');
    const history = await api.get(`/webhooks/${wh.id}`);
    expect(history.status).toBe(200);
    expect((await api.put(`/webhooks/${wh.id}`, {})).status).toBe(400);
    expect((await api.put(`/webhooks/${wh.id}`, { url: 'gopher://x' })).body.error.details[0].field).toBe('url');
  });

  it('lists the event catalog with descriptions', async () => {
    const res = await api.get('/webhooks/events');
    expect(res.status).toBe(200);
    const types = res.body.data.map((e: any) => e.type);
    for (const t of ['client.created', 'client.updated', 'client.deleted', 'project.created', 'project.updated', 'project.deleted',
      'finding.created', 'finding.updated', 'finding.deleted', 'finding.status_changed', 'asset.created', 'asset.updated',
      'asset.deleted', 'report.generated', 'report.failed', 'webhook.test']) {
      expect(types).toContain(t);
    }
    for (const e of res.body.data) expect(e.description.length).toBeGreaterThan(5);
  });

  it('answers 403 without the scope and 404 for another tenant, on every endpoint', async () => {
    const wh = (await api.post('/webhooks', { url: `${receiver.url}/scopes`, events: ['*'], active: false })).body.data;
    const project = (await api.post('/projects', { name: 'Scoped' })).body.data;
    const finding = (await api.post('/findings', { project_id: project.id, title: 'Scoped' })).body.data;
    const asset = (await api.post('/assets', { project_id: project.id, name: 'h', type: 'host' })).body.data;
    const cl = (await api.post('/clients', { name: 'Scoped' })).body.data;
    await server.db.tenant(tenant.id, (q) =>
      q.query(`INSERT INTO events (tenant_id, id, type, actor_type) VALUES ($1, 'evt_x', 'webhook.test', 'system')`, [tenant.id]),
    );
    const dlv = (await server.db.tenant(tenant.id, (q) =>
      q.query<{ id: string }>(`INSERT INTO webhook_deliveries (tenant_id, id, webhook_id, event_id, event_type, status)
                               VALUES ($1, 'dlv_x', $2, 'evt_x', 'webhook.test', 'failed') RETURNING id`, [tenant.id, wh.id]),
    )).rows[0]!.id;

    const endpoints: [string, string, unknown, string][] = [
      ['GET', '/webhooks', undefined, 'webhooks:read'],
      ['POST', '/webhooks', { url: `${receiver.url}/x`, events: ['*'] }, 'webhooks:write'],
      ['GET', `/webhooks/${wh.id}`, undefined, 'webhooks:read'],
      ['PUT', `/webhooks/${wh.id}`, { description: 'x' }, 'webhooks:write'],
      ['DELETE', `/webhooks/${wh.id}`, undefined, 'webhooks:write'],
      ['POST', `/webhooks/${wh.id}/rotate-secret`, undefined, 'webhooks:write'],
      ['POST', `/webhooks/${wh.id}/test`, undefined, 'webhooks:write'],
      ['GET', `/webhooks/${wh.id}/deliveries`, undefined, 'webhooks:read'],
      ['GET', `/webhooks/${wh.id}/deliveries/${dlv}`, undefined, 'webhooks:read'],
      ['POST', `/webhooks/${wh.id}/deliveries/${dlv}/redeliver`, undefined, 'webhooks:write'],
      ['GET', '/webhooks/events', undefined, 'webhooks:read'],
      ['GET', `/findings/${finding.id}/history`, undefined, 'findings:read'],
      ['GET', `/projects/${project.id}/history`, undefined, 'projects:read'],
      ['GET', `/assets/${asset.id}/history`, undefined, 'assets:read'],
      ['GET', `/clients/${cl.id}/history`, undefined, 'clients:read'],
    ];
    const send = (c: Client, method: string, path: string, body: unknown) =>
      method === 'GET' ? c.get(path) : method === 'DELETE' ? c.del(path) : method === 'PUT' ? c.put(path, body) : c.post(path, body);

    // A token with every other scope but not this one (admin role).
    const unrelated = client(server.url, await server.mintToken(tenant, ['projects:read', 'findings:write', 'reports:read']));
    // Other roles never get webhooks: a manager's token asking for webhooks:read is refused by role.
    const manager = client(server.url, await server.mintToken(tenant, ['webhooks:read', 'webhooks:write'], 'manager'));
    const stranger = client(server.url, other.token);
    for (const [method, path, body, scope] of endpoints) {
      const denied = await send(unrelated, method, path, body);
      if (scope !== 'projects:read') {
        expect(denied.status, `${method} ${path} without ${scope}`).toBe(403);
      }
      if (scope.startsWith('webhooks')) {
        expect((await send(manager, method, path, body)).status, `${method} ${path} as manager`).toBe(403);
      }
      if (path !== '/webhooks' && path !== '/webhooks/events') {
        const res = await send(stranger, method, path, body);
        expect(res.status, `${method} ${path} from another tenant`).toBe(404);
      }
    }
    expect((await client(server.url, await server.mintToken(tenant, ['findings:read'])).get(`/projects/${project.id}/history`)).status).toBe(403);
    // The stranger's own lists do not show this tenant's webhooks.
    expect((await stranger.get('/webhooks')).body.data).toEqual([]);
    // A webhook the other tenant creates is theirs alone: not seen here, and fed none of this tenant's events.
    const theirs = (await stranger.post('/webhooks', { url: `${receiver.url}/theirs`, events: ['*'] })).body.data;
    expect((await api.get('/webhooks?limit=100')).text).not.toContain(theirs.id);
    expect((await api.get(`/webhooks/${theirs.id}`)).status).toBe(404);
    expect((await api.post('/findings', { project_id: project.id, title: 'Not for the other tenant' })).status).toBe(201);
    expect((await stranger.get(`/webhooks/${theirs.id}/deliveries`)).body.meta.total).toBe(0);
  });
});

