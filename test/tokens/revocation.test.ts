import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { client, redisUrl, secondInstance, setup, sleep, startServer, teardown, type Setup, type TestServer, type TestTenant } from '../helpers/index.js';

const REDIS = await redisUrl();

/** Polls until `fn` answers `status`; returns the milliseconds it took (or Infinity). */
async function within(ms: number, fn: () => Promise<number>, status: number): Promise<number> {
  const start = Date.now();
  while (Date.now() - start <= ms) {
    if ((await fn()) === status) return Date.now() - start;
    await sleep(50);
  }
  return Infinity;
}

describe.skipIf(!REDIS)('revocation broadcast through Redis', () => {
  let s: Setup;
  let server: TestServer;
  let second: Awaited<ReturnType<typeof secondInstance>>;
  let tenant: TestTenant;

  beforeAll(async () => {
    s = await setup({ env: { REDIS_URL: REDIS!, NEURO_REDIS_PREFIX: `neuro-rev-${randomBytes(4).toString('hex')}:` } });
    server = s.server;
    second = await secondInstance(server);
    tenant = await server.createTenant();
  }, 180_000);
  afterAll(async () => {
    await second?.close();
    await teardown(s);
  });

  it('a key revoked on one instance is refused by the other within a second, though it had it cached', async () => {
    const user = await server.createUser(tenant, { role: 'tester' });
    const session = client(server.url, (await server.login(tenant, user)).access_token);
    const key = (await session.post('/user/api-keys', { name: 'k' })).body.data;
    const onSecond = () => client(second.url, key.key).get('/findings').then((r) => r.status);
    expect(await onSecond()).toBe(200); // now cached on the second instance
    expect((await session.del(`/user/api-keys/${key.id}`)).status).toBe(204);
    expect(await within(1000, onSecond, 401)).toBeLessThanOrEqual(1000);
  });

  it('so are a logged-out session and a deactivated user’s credentials', async () => {
    const user = await server.createUser(tenant, { role: 'tester' });
    const t1 = await server.login(tenant, user);
    const t2 = await server.login(tenant, user);
    const key = (await client(server.url, t2.access_token).post('/user/api-keys', { name: 'k' })).body.data.key;
    const s1 = () => client(second.url, t1.access_token).get('/user').then((r) => r.status);
    const s2 = () => client(second.url, t2.access_token).get('/user').then((r) => r.status);
    const k = () => client(second.url, key).get('/findings').then((r) => r.status);
    expect([await s1(), await s2(), await k()]).toEqual([200, 200, 200]);
    expect((await client(server.url, t1.access_token).post('/auth/logout')).status).toBe(204);
    expect(await within(1000, s1, 401)).toBeLessThanOrEqual(1000);
    expect(await s2()).toBe(200);
    expect((await client(server.url, tenant.token).del(`/users/${user.id}`)).status).toBe(204);
    expect(await within(1000, s2, 401)).toBeLessThanOrEqual(1000);
    expect(await within(1000, k, 401)).toBeLessThanOrEqual(1000);
  });

  it('a role change reaches the other instance within a second', async () => {
    const admin = client(server.url, tenant.token);
    const sa = (await admin.post('/service-accounts', { name: 'bot', role: 'tester' })).body.data;
    const token = (await admin.post('/api-keys', { service_account_id: sa.id, name: 't', scopes: ['findings:read'] })).body.data.key;
    const read = () => client(second.url, token).get('/findings').then((r) => r.status);
    expect(await read()).toBe(200);
    expect((await admin.put(`/service-accounts/${sa.id}`, { active: false })).status).toBe(200);
    expect(await within(1000, read, 401)).toBeLessThanOrEqual(1000);
  });
});

describe('revocation without Redis', () => {
  it('applies on the next request of the instance that revoked', async () => {
    const server = await startServer({ env: { REDIS_URL: '' } });
    try {
      const tenant = await server.createTenant();
      const admin = client(server.url, tenant.token);
      const sa = (await admin.post('/service-accounts', { name: 'bot', role: 'viewer' })).body.data;
      const key = (await admin.post('/api-keys', { service_account_id: sa.id, name: 't' })).body.data;
      expect((await client(server.url, key.key).get('/projects')).status).toBe(200);
      expect((await admin.del(`/api-keys/${key.id}`)).status).toBe(204);
      expect((await client(server.url, key.key).get('/projects')).status).toBe(401);
    } finally {
      await teardown(server);
    }
  }, 120_000);

  it('(control) another instance without Redis learns only when its cache entry ages out (NEURO_CREDENTIAL_CACHE_SECONDS)', async () => {
    // 5 s instead of the default 30, so the test can wait it out.
    const server = await startServer({ env: { REDIS_URL: '', NEURO_CREDENTIAL_CACHE_SECONDS: '5' } });
    const second = await secondInstance(server);
    try {
      const tenant = await server.createTenant();
      const admin = client(server.url, tenant.token);
      const sa = (await admin.post('/service-accounts', { name: 'bot', role: 'viewer' })).body.data;
      const key = (await admin.post('/api-keys', { service_account_id: sa.id, name: 't' })).body.data;
      expect((await client(second.url, key.key).get('/projects')).status).toBe(200);
      const cachedBy = Date.now(); // the entry was made before this answer
      expect((await admin.del(`/api-keys/${key.id}`)).status).toBe(204);
      await sleep(1000);
      // This is what the Redis broadcast above removes.
      expect((await client(second.url, key.key).get('/projects')).status).toBe(200);
      // Once the entry is older than the setting, the second instance checks again and refuses.
      await sleep(Math.max(0, cachedBy + 5000 - Date.now()) + 100);
      expect((await client(second.url, key.key).get('/projects')).status).toBe(401);
    } finally {
      await second.close();
      await teardown(server);
    }
  }, 120_000);
});
