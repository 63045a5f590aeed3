import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, raw, setup, teardown, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';

let s: Setup;
let server: TestServer;
let tenant: TestTenant;
let admin: ReturnType<typeof client>;

beforeAll(async () => {
  s = await setup();
  ({ server, tenant } = s);
  admin = client(server.url, tenant.token);
});
afterAll(() => teardown(s));

describe('audit log', () => {
  it('is paginated and filters by actor, action, object and date; admins only', async () => {
    await server.createUser(tenant);
    const u = await server.createUser(tenant);
    await raw(`${server.url}/auth/login`, { method: 'POST', body: { email: u.email, password: 'wrong wrong wrong' } });
    const page = await admin.get('/audit-log?limit=2');
    expect(page.status).toBe(200);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.meta).toMatchObject({ page: 1, limit: 2 });
    expect(page.body.meta.total).toBeGreaterThan(2);
    const first = page.body.data[0];
    expect(Object.keys(first).sort()).toEqual(['action', 'actor', 'changes', 'created_at', 'credential_id', 'data', 'id', 'ip', 'object_id', 'object_type', 'request_id', 'type', 'user_agent']);
    const fam = await admin.get('/audit-log?action=auth.*');
    expect(fam.body.data.every((e: any) => e.action.startsWith('auth.'))).toBe(true);
    const future = await admin.get('/audit-log?created_after=2999-01-01');
    expect(future.body.meta.total).toBe(0);
    const past = await admin.get('/audit-log?created_before=2000-01-01');
    expect(past.body.meta.total).toBe(0);
    expect((await admin.get('/audit-log?created_after=yesterday')).status).toBe(400);
    const created = await admin.get(`/audit-log?object_id=${u.id}&action=user.created`);
    expect(created.body.data[0].actor.type).toBe('service_account');
    // Another tenant sees none of it.
    const other = await server.createTenant();
    expect((await client(server.url, other.token).get(`/audit-log?object_id=${u.id}`)).body.meta.total).toBe(0);
  });
});
