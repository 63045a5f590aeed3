import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer, type TestTenant, client, startReceiver, eventually, type Receiver } from '../helpers/index.js';
import { buildApp } from '../../src/server/app.js';

/**
 * Background work has one lifecycle (app.ts runWorkers): workers start when the server is ready
 * and stop with app.close() — what SIGTERM calls — handing back what is in flight before the
 * database may close.
 */
describe('worker lifecycle', () => {
  let server: TestServer;
  let tenant: TestTenant;
  let receiver: Receiver;

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startServer({
      env: { NEURO_WEBHOOK_ALLOW_PRIVATE: 'true', NEURO_WEBHOOK_POLL_MS: '50', NEURO_WEBHOOK_TIMEOUT_MS: '30000' },
    });
    tenant = await server.createTenant();
  });
  afterAll(async () => {
    await receiver?.close();
    const failures = server?.logs.filter((l) => /"level":50|"statusCode":5\d\d/.test(l)) ?? [];
    await server?.close();
    expect(failures, 'server errors (500s) in the log').toEqual([]);
  });

  it('stops the webhook dispatcher on close, hands back the delivery in flight, and a restarted server sends it', async () => {
    const api = client(server.url, tenant.token);
    receiver.answer = (_r, n) => (n === 1 ? { hang: true } : { status: 204 });
    const hook = (await api.post('/webhooks', { url: `${receiver.url}/in-flight`, events: ['project.created'] })).body.data;
    const project = (await api.post('/projects', { name: 'In flight at shutdown' })).body.data;
    await receiver.waitFor(1, '/in-flight');

    // The attempt hangs; closing must not wait for its 30 s timeout, and must not record it.
    const started = Date.now();
    await server.app.close();
    expect(Date.now() - started).toBeLessThan(10_000);
    const { rows } = await server.db.tenant(tenant.id, (q) =>
      q.query<{ status: string; attempts: number; lease_owner: string | null }>(
        `SELECT d.status, d.attempts, w.lease_owner FROM webhook_deliveries d JOIN webhooks w ON w.tenant_id = d.tenant_id AND w.id = d.webhook_id
          WHERE d.tenant_id = $1 AND d.webhook_id = $2`,
        [tenant.id, hook.id],
      ),
    );
    expect(rows).toEqual([{ status: 'pending', attempts: 0, lease_owner: null }]);

    // A new server on the same database (a restart) delivers it, with the same webhook-id.
    const again = await buildApp({ config: server.config, db: server.db, secret: server.secret, logger: false });
    await again.listen({ port: 0, host: '127.0.0.1' });
    try {
      const got = await receiver.waitFor(2, '/in-flight');
      expect(got[1]!.headers['webhook-id']).toBe(got[0]!.headers['webhook-id']);
      expect(JSON.parse(got[1]!.body).data.id).toBe(project.id);
      await eventually(async () => {
        const r = await server.db.tenant(tenant.id, (q) => q.query<{ status: string }>('SELECT status FROM webhook_deliveries WHERE tenant_id = $1 AND webhook_id = $2', [tenant.id, hook.id]));
        return r.rows[0]?.status === 'succeeded';
      });
    } finally {
      await again.close();
    }
  });
});
