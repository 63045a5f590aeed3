import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { client, eventually, setup, startReceiver, teardown, type Client, type Receiver, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';
import { createDispatcher } from '../../src/server/modules/webhooks/dispatcher.js';
import { deriveKey } from '../../src/server/lib/sealed.js';
import { recordAttempts } from '../../src/server/modules/webhooks/repo.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let api: Client;
let receiver: Receiver;
let project: { id: string };

beforeAll(async () => {
  s = await setup({
    env: {
      NEURO_WEBHOOK_ALLOW_PRIVATE: 'true',
      NEURO_WEBHOOK_POLL_MS: '50',
      // 5 s → 5 ms, 5 min → 300 ms: the whole schedule in seconds.
      NEURO_WEBHOOK_BACKOFF_SCALE: '0.001',
      // Short enough for the timeout test, long enough that a receiver in this busy process is not
      // timed out (and then sent the same delivery again) on a loaded machine.
      NEURO_WEBHOOK_TIMEOUT_MS: '3000',
      // One delivery in flight per webhook: strictly in order (the default window of 64 starts them in order).
      NEURO_WEBHOOK_WINDOW: '1',
    },
  });
  ({ server, tenant } = s);
  api = client(server.url, tenant.token);
  receiver = await startReceiver();
  project = (await api.post('/projects', { name: 'Deliveries' })).body.data;
}, 180_000); // PGlite start-up on a busy machine
afterAll(async () => {
  await receiver?.close();
  await teardown(s);
});

async function hook(path: string, events: string[] = ['*']) {
  const res = await api.post('/webhooks', { url: `${receiver.url}${path}`, events });
  expect(res.status, res.text).toBe(201);
  return res.body.data as { id: string; secret: string };
}

async function deliveries(webhookId: string, query = '') {
  const res = await api.get(`/webhooks/${webhookId}/deliveries${query}`);
  expect(res.status, res.text).toBe(200);
  return res.body.data as any[];
}

const parse = (r: { body: string }) => JSON.parse(r.body);

describe('webhook delivery', () => {
  it('signs deliveries by Standard Webhooks, verified with the standardwebhooks package', async () => {
    const wh = await hook('/signed', ['finding.created']);
    const finding = (await api.post('/findings', { project_id: project.id, title: 'SQL Injection', severity: 'High' })).body.data;
    const [got] = await receiver.waitFor(1, '/signed');
    const payload = new Webhook(wh.secret).verify(got!.body, got!.headers as Record<string, string>) as any;
    expect(payload).toMatchObject({ event: 'finding.created', tenant: tenant.id, data: finding });
    expect(payload.id).toMatch(/^evt_/);
    expect(payload.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
    expect(got!.headers['webhook-id']).toBe(payload.id);
    expect(got!.headers['content-type']).toBe('application/json');
    // A wrong secret or a changed body does not verify.
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(got!.body, got!.headers as any)).toThrow();
    expect(() => new Webhook(wh.secret).verify(got!.body.replace('SQL', 'XSS'), got!.headers as any)).toThrow();

    const [d] = await eventually(async () => {
      const list = await deliveries(wh.id);
      return list[0]?.status === 'succeeded' && list;
    });
    expect(d).toMatchObject({ event: 'finding.created', event_id: payload.id, attempt: 1, response_status: 200, response_body: 'ok', error: null });
    expect(d.duration_ms).toBeGreaterThanOrEqual(0);
    // One delivery shows the very body that was sent, beside the answer.
    const detail = await api.get(`/webhooks/${wh.id}/deliveries/${d.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body.data).toMatchObject({ id: d.id, status: 'succeeded', response_status: 200, response_body: 'ok' });
    expect(JSON.parse(detail.body.data.request_body)).toEqual(JSON.parse(got!.body));
    expect((await api.get(`/webhooks/${wh.id}/deliveries/dlv_missing`)).status).toBe(404);
  });

  it('sends only the subscribed events, status_changed besides updated, and a deleted object\'s last state', async () => {
    const only = await hook('/only-status', ['finding.status_changed', 'finding.deleted']);
    const all = await hook('/all');
    const f = (await api.post('/findings', { project_id: project.id, title: 'CSRF' })).body.data;
    await api.put(`/findings/${f.id}`, { description: 'token missing' });
    await api.put(`/findings/${f.id}`, { status: 'Remediated' });
    await api.del(`/findings/${f.id}`);
    const a = await api.post('/assets', { project_id: project.id, name: 'api', type: 'host' });
    expect(a.status).toBe(201);

    const allGot = await receiver.waitFor(6, '/all');
    expect(allGot.map((r) => parse(r).event)).toEqual([
      'finding.created', 'finding.updated', 'finding.updated', 'finding.status_changed', 'finding.deleted', 'asset.created',
    ]);
    const onlyGot = await receiver.waitFor(2, '/only-status');
    expect(onlyGot.map((r) => parse(r).event)).toEqual(['finding.status_changed', 'finding.deleted']);
    const deleted = parse(onlyGot[1]!);
    expect(deleted.data).toMatchObject({ id: f.id, title: 'CSRF', status: 'Remediated', description: 'token missing' });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/only-status')).toHaveLength(2);
    await api.del(`/webhooks/${only.id}`);
    await api.del(`/webhooks/${all.id}`);
  });

  it('retries with backoff until the receiver succeeds, honouring Retry-After', async () => {
    receiver.answer = (r, n) => {
      if (r.path === '/flaky') return n <= 2 ? { status: 503, body: 'busy' } : { status: 204 };
      if (r.path === '/slow-down') return n === 1 ? { status: 429, headers: { 'retry-after': '1' } } : {};
      return {};
    };
    const flaky = await hook('/flaky', ['project.created']);
    const slow = await hook('/slow-down', ['project.created']);
    await api.post('/projects', { name: 'Retry me' });
    const got = await receiver.waitFor(3, '/flaky');
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1); // one message, three attempts
    const [d] = await eventually(async () => {
      const list = await deliveries(flaky.id);
      return list[0]?.status === 'succeeded' && list;
    });
    expect(d).toMatchObject({ attempt: 3, response_status: 204 });

    const slowGot = await receiver.waitFor(2, '/slow-down');
    expect(slowGot[1]!.at - slowGot[0]!.at).toBeGreaterThanOrEqual(900);
    await api.del(`/webhooks/${flaky.id}`);
    await api.del(`/webhooks/${slow.id}`);
  });

  it('marks a delivery failed after the last attempt of the schedule', async () => {
    receiver.answer = (r) => (r.path === '/down' ? { status: 500, body: 'x'.repeat(5000) } : {});
    const wh = await hook('/down', ['client.created']);
    await api.post('/clients', { name: 'Never reached' });
    // Scaled by 0.001 the waits are 5 ms, 300 ms, 1.8 s, 7.2 s…: only the first attempts are awaited.
    await receiver.waitFor(3, '/down', 10_000);
    // The third attempt's outcome is written after the receiver answered it: forcing the count
    // before then raced with that write (attempts + 1 on top of the forced 9, then an 11th attempt).
    const [d] = await eventually(async () => {
      const list = await deliveries(wh.id);
      return (list[0]?.attempt ?? 0) >= 3 && list;
    });
    expect(d.status).toBe('pending');
    expect(d.response_status).toBe(500);
    expect(d.response_body).toHaveLength(2048); // only the first 2 KiB are kept
    expect(d.error).toContain('500');
    expect(new Date(d.next_attempt_at).getTime()).toBeGreaterThan(new Date(d.attempted_at).getTime());
    // The last attempt: push the delivery to attempt 10 and let it fail.
    await server.db.tenant(tenant.id, (q) =>
      q.query(`UPDATE webhook_deliveries SET attempts = 9, next_attempt_at = now() WHERE tenant_id = $1 AND id = $2`, [tenant.id, d.id]),
    );
    const [last] = await eventually(async () => {
      const list = await deliveries(wh.id);
      return list[0]?.status === 'failed' && list;
    });
    expect(last).toMatchObject({ attempt: 10, next_attempt_at: null });
    await api.del(`/webhooks/${wh.id}`);
  });

  it('disables a webhook answered 410 Gone, with the reason visible', async () => {
    receiver.answer = (r) => (r.path === '/gone' ? { status: 410 } : {});
    const wh = await hook('/gone', ['client.created']);
    await api.post('/clients', { name: 'Gone 1' });
    await receiver.waitFor(1, '/gone');
    const got = await eventually(async () => {
      const w = (await api.get(`/webhooks/${wh.id}`)).body.data;
      return w.active === false && w;
    });
    expect(got.disabled_reason).toContain('410');
    expect(got.disabled_at).not.toBeNull();
    await api.post('/clients', { name: 'Gone 2' });
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.at('/gone')).toHaveLength(1);
    const [d] = await deliveries(wh.id);
    expect(d).toMatchObject({ status: 'failed', response_status: 410 });
    // Turning it back on clears the reason.
    const on = await api.put(`/webhooks/${wh.id}`, { active: true });
    expect(on.body.data).toMatchObject({ active: true, disabled_reason: null });
    await api.del(`/webhooks/${wh.id}`);
  });

  it('disables a webhook after 5 days of failures', async () => {
    receiver.answer = (r) => (r.path === '/failing' ? { status: 502 } : {});
    const wh = await hook('/failing', ['client.created']);
    await server.db.tenant(tenant.id, (q) =>
      q.query(`UPDATE webhooks SET failing_since = now() - interval '5 days 1 hour' WHERE tenant_id = $1 AND id = $2`, [tenant.id, wh.id]),
    );
    await api.post('/clients', { name: 'Still failing' });
    const got = await eventually(async () => {
      const w = (await api.get(`/webhooks/${wh.id}`)).body.data;
      return w.active === false && w;
    });
    expect(got.disabled_reason).toMatch(/Every delivery failed since .*502/);
    await api.del(`/webhooks/${wh.id}`);
  });

  it('does not follow redirects', async () => {
    receiver.answer = (r) => (r.path === '/moved' ? { status: 302, headers: { location: `${receiver.url}/target` } } : {});
    const wh = await hook('/moved', ['client.created']);
    await api.post('/clients', { name: 'Redirected' });
    await receiver.waitFor(1, '/moved');
    const [d] = await eventually(async () => {
      const list = await deliveries(wh.id);
      return list[0]?.attempt >= 1 && list;
    });
    expect(d).toMatchObject({ status: 'pending', response_status: 302 });
    expect(d.error).toContain('redirect not followed');
    expect(receiver.at('/target')).toHaveLength(0);
    await api.del(`/webhooks/${wh.id}`);
  });

  it('gives up on a receiver that does not answer within the timeout', async () => {
    receiver.answer = (r) => (r.path === '/hang' ? { hang: true } : {});
    const wh = await hook('/hang', ['client.created']);
    await api.post('/clients', { name: 'Slow' });
    const [d] = await eventually(async () => {
      const list = await deliveries(wh.id);
      return list[0]?.attempt >= 1 && list;
    });
    expect(d.error).toContain('timed out');
    expect(d.response_status).toBeNull();
    expect(d.duration_ms).toBeGreaterThanOrEqual(900);
    expect(d.duration_ms).toBeLessThan(5000);
    await api.del(`/webhooks/${wh.id}`);
  });

  it('signs with both secrets for 24 hours after a rotation', async () => {
    receiver.answer = () => ({});
    const wh = await hook('/rotated', ['client.created']);
    const rotated = await api.post(`/webhooks/${wh.id}/rotate-secret`);
    expect(rotated.status, rotated.text).toBe(200);
    const secret = rotated.body.data.secret as string;
    expect(secret).toMatch(/^whsec_/);
    expect(secret).not.toBe(wh.secret);
    const expires = new Date(rotated.body.data.previous_secret_expires_at).getTime();
    expect(expires - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(expires - Date.now()).toBeLessThanOrEqual(24 * 3600_000);

    await api.post('/clients', { name: 'Rotated' });
    const [got] = await receiver.waitFor(1, '/rotated');
    expect(String(got!.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => new Webhook(secret).verify(got!.body, got!.headers as any)).not.toThrow();
    expect(() => new Webhook(wh.secret).verify(got!.body, got!.headers as any)).not.toThrow();

    // After the overlap only the new secret signs.
    await server.db.tenant(tenant.id, (q) =>
      q.query(`UPDATE webhooks SET previous_expires_at = now() - interval '1 second' WHERE tenant_id = $1 AND id = $2`, [tenant.id, wh.id]),
    );
    await api.post('/clients', { name: 'Rotated later' });
    const [, later] = await receiver.waitFor(2, '/rotated');
    expect(String(later!.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(() => new Webhook(secret).verify(later!.body, later!.headers as any)).not.toThrow();
    expect(() => new Webhook(wh.secret).verify(later!.body, later!.headers as any)).toThrow();
    await api.del(`/webhooks/${wh.id}`);
  });

  it('redelivers with the same webhook-id, and sends a test event', async () => {
    const wh = await hook('/again', ['client.created']);
    await api.post('/clients', { name: 'Again' });
    const [first] = await receiver.waitFor(1, '/again');
    const [d] = await eventually(async () => {
      const list = await deliveries(wh.id);
      return list[0]?.status === 'succeeded' && list;
    });
    const re = await api.post(`/webhooks/${wh.id}/deliveries/${d.id}/redeliver`);
    expect(re.status, re.text).toBe(202);
    expect(re.body.data).toMatchObject({ status: 'pending', redelivery_of: d.id, event_id: d.event_id });
    const [, second] = await receiver.waitFor(2, '/again');
    expect(second!.headers['webhook-id']).toBe(first!.headers['webhook-id']);
    expect(second!.body).toBe(first!.body);
    expect(() => new Webhook(wh.secret).verify(second!.body, second!.headers as any)).not.toThrow();
    expect((await api.post(`/webhooks/${wh.id}/deliveries/dlv_missing/redeliver`)).status).toBe(404);

    const test = await api.post(`/webhooks/${wh.id}/test`);
    expect(test.status, test.text).toBe(202);
    const [, , pinged] = await receiver.waitFor(3, '/again');
    const body = new Webhook(wh.secret).verify(pinged!.body, pinged!.headers as any) as any;
    expect(body).toMatchObject({ event: 'webhook.test', data: { webhook_id: wh.id } });
    const filtered = await deliveries(wh.id, '?event=webhook.test');
    expect(filtered).toHaveLength(1);
    await api.put(`/webhooks/${wh.id}`, { active: false });
    expect((await api.post(`/webhooks/${wh.id}/test`)).status).toBe(409);
    await api.del(`/webhooks/${wh.id}`);
  });

  it('delivers in order per webhook', async () => {
    receiver.answer = () => ({});
    const wh = await hook('/ordered', ['client.updated']);
    const c = (await api.post('/clients', { name: 'v0' })).body.data;
    for (let i = 1; i <= 20; i++) await api.put(`/clients/${c.id}`, { name: `v${i}` });
    const got = await receiver.waitFor(20, '/ordered');
    expect(got.map((r) => parse(r).data.name)).toEqual(Array.from({ length: 20 }, (_, i) => `v${i + 1}`));
    await api.del(`/webhooks/${wh.id}`);
  });

  it('sends each delivery once with several dispatchers side by side', async () => {
    receiver.answer = () => ({});
    // Two more dispatchers on the same database, as two more server instances would run them.
    const extra = [1, 2].map(() =>
      createDispatcher({
        db: server.db, config: { ...server.config.webhooks, window: 4 }, sealKey: deriveKey(server.secret, 'webhook-secrets'), log: server.app.log,
      }),
    );
    for (const d of extra) d.start();
    try {
      const hooks = await Promise.all(['/multi-a', '/multi-b', '/multi-c'].map((p) => hook(p, ['finding.created'])));
      await Promise.all(Array.from({ length: 60 }, (_, i) => api.post('/findings', { project_id: project.id, title: `Multi ${i}` })));
      for (const p of ['/multi-a', '/multi-b', '/multi-c']) await receiver.waitFor(60, p);
      await new Promise((r) => setTimeout(r, 500));
      for (const p of ['/multi-a', '/multi-b', '/multi-c']) {
        const got = receiver.at(p);
        expect(got).toHaveLength(60);
        expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(60);
      }
      for (const h of hooks) await api.del(`/webhooks/${h.id}`);
    } finally {
      for (const d of extra) await d.stop();
    }
  });
});

// Two connections of one database: PostgreSQL only (PGlite runs one statement at a time).
describe.runIf(process.env.DATABASE_URL)('a webhook deleted while an attempt is recorded', () => {
  it('waits for the delete and writes nothing, without a deadlock', async () => {
    receiver.answer = () => ({});
    const wh = await hook('/deleted-mid-record', ['client.created']);
    await api.post('/clients', { name: 'Recorded while deleted' });
    await eventually(async () => (await deliveries(wh.id))[0]?.status === 'succeeded');
    const [delivery] = await deliveries(wh.id);
    const outcome = {
      status: 'succeeded' as const, nextAttemptAt: null, attemptedAt: new Date(), durationMs: 5,
      responseStatus: 200, responseBody: '', error: null, disableReason: null,
    };
    // Whether a connection waits for a lock the given backend holds (the recorder waiting for us).
    const blockedBy = (pid: number) => server.db.system(async (q) =>
      (await q.query('SELECT 1 FROM pg_locks WHERE NOT granted AND $1::int = ANY(pg_blocking_pids(pid))', [pid])).rows.length > 0);
    // As DELETE /webhooks/:id runs it: the webhook's row is locked, then its trigger deletes the
    // deliveries. The attempt is recorded in between, on another connection.
    let recorded: Promise<boolean> | undefined;
    await server.db.tenantTx(tenant.id, async (q) => {
      const { rows: [holder] } = await q.query<{ pid: number }>(
        'SELECT pg_backend_pid() AS pid FROM webhooks WHERE tenant_id = $1 AND id = $2 FOR UPDATE', [tenant.id, wh.id]);
      recorded = server.db.tenant(tenant.id, (r) => recordAttempts(r, tenant.id, wh.id, [{ deliveryId: delivery.id, outcome }], 'test', 1000, 60_000));
      recorded.catch(() => {});
      await eventually(() => blockedBy(holder!.pid));
      await q.query('DELETE FROM webhooks WHERE tenant_id = $1 AND id = $2', [tenant.id, wh.id]);
    });
    await expect(recorded!).resolves.toBe(false);
    expect((await api.get(`/webhooks/${wh.id}`)).status).toBe(404);
  });
});
